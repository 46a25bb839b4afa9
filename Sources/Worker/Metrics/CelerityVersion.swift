/// The version of this Celerity build, reported as `celerity_build_info{version}`.
public enum CelerityVersion {
    /// The release this source tree is.
    public static let current = "0.4.0"
}
