import TaskAPI

/// What `secrets.rotate_jwt` and `secrets.retire_previous` read from the worker's settings (docs/jobs.md).
struct SecretsConfiguration: Sendable {
    /// The five secrets rotated when `CELERITY_SECRETS_NAMES` is not set.
    static let defaultNames = [
        "JWT_SECRET_KEY", "JWT_REFRESH_SECRET_KEY", "JWT_PASSWORD_RESET_SECRET_KEY",
        "JWT_EMAIL_VERIFICATION_SECRET_KEY", "JWT_SERVICE_SECRET_KEY",
    ]

    /// `CELERITY_SECRETS_ENV_FILE`: the services' env file (`.env.production`), written with mode 0600.
    var envFile: String
    /// `CELERITY_SECRETS_NAMES`: the variables rotated.
    var names: [String] = defaultNames
    /// `CELERITY_SECRETS_RELOAD_URL` or `CELERITY_SECRETS_RELOAD_COMMAND`, and `CELERITY_SECRETS_HEALTH_URLS`.
    var control: ServiceControl
    /// `CELERITY_SECRETS_GRACE`: how long the previous values stay valid, 24 hours by default.
    var grace: Duration = .seconds(86_400)

    /// Reads the configuration; `nil` when `CELERITY_SECRETS_ENV_FILE` is not set (the job is not configured).
    /// - Throws: ``SettingsError`` for a value that is set but unusable (the worker stops, naming it).
    static func load(_ settings: Settings) throws -> SecretsConfiguration? {
        let names = settings.list("CELERITY_SECRETS_NAMES", default: defaultNames)
        for name in names {
            guard let first = name.first, first.isLetter || first == "_",
                name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" })
            else {
                throw SettingsError(key: "CELERITY_SECRETS_NAMES", problem: "must be variable names (A-Z, 0-9, _)")
            }
        }
        guard Set(names).count == names.count, !names.isEmpty else {
            throw SettingsError(key: "CELERITY_SECRETS_NAMES", problem: "must name each variable once")
        }
        let grace = try settings.seconds("CELERITY_SECRETS_GRACE", default: .seconds(86_400))
        let reload = try ServiceControl.reload(
            url: settings["CELERITY_SECRETS_RELOAD_URL"], command: settings["CELERITY_SECRETS_RELOAD_COMMAND"],
            key: "CELERITY_SECRETS"
        )
        guard let envFile = settings["CELERITY_SECRETS_ENV_FILE"] else { return nil }
        return SecretsConfiguration(
            envFile: envFile, names: names,
            control: ServiceControl(reload: reload, healthURLs: settings.list("CELERITY_SECRETS_HEALTH_URLS")),
            grace: grace
        )
    }
}
