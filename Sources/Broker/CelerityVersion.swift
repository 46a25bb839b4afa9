/// The version of Celerity this source tree is: the repository's `VERSION` file, which `CelerityVersionTests` keeps
/// equal to it. `celerity --version`, every worker binary's `--version`, `celery inspect report`/`stats`, worker
/// events and `celerity_build_info{version}` show it.
public enum CelerityVersion {
    /// The release this source tree is.
    public static let current = "0.9.0"
}
