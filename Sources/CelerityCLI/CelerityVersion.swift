/// The version of Celerity this binary was built from: the repository's `VERSION` file, which a test keeps
/// equal to this constant. `celerity --version` and every worker binary's `--version` print it.
public let celerityVersion = "0.9.0"
