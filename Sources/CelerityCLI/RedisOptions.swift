import ArgumentParser
import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TaskAPI

/// `--redis-url` and `--global-keyprefix`, shared by every subcommand that talks to Redis; an application's own
/// commands that enqueue use them too (`@OptionGroup var redis: RedisOptions`, then `CelerityClient(configuration: try redis.configuration())`).
public struct RedisOptions: ParsableArguments {
    /// Options with no flag given yet: ArgumentParser fills them.
    public init() {}

    /// The `--redis-url` flag's value, if given.
    @Option(
        name: .customLong("redis-url"),
        help: ArgumentHelp(
            "Redis URL: redis://[user:password@]host:port/db or unix:///path?db=N.",
            discussion: "Defaults to $CELERITY_REDIS_URL, then redis://127.0.0.1:6379/0.",
            valueName: "url"
        )
    )
    public var redisURL: String?

    /// The `--global-keyprefix` flag's value, if given.
    @Option(
        name: .customLong("global-keyprefix"),
        help: ArgumentHelp(
            "Celery's global_keyprefix: put in front of every Redis key and channel, as kombu and Celery's backend do.",
            discussion: "Defaults to $CELERITY_GLOBAL_KEYPREFIX, then none. Use the value the Python app sets in "
                + "broker_transport_options and result_backend_transport_options.",
            valueName: "prefix"
        )
    )
    public var globalKeyPrefix: String?

    /// The `--priority-steps` flag's value, if given.
    @Option(
        name: .customLong("priority-steps"),
        help: ArgumentHelp(
            "kombu's priority_steps: the priority buckets, comma-separated, ascending, each 0-9.",
            discussion: "Defaults to $CELERITY_PRIORITY_STEPS, then 0,3,6,9. Use the value the Python app sets in broker_transport_options.",
            valueName: "steps"
        )
    )
    public var prioritySteps: String?

    /// The `--priority-separator` flag's value, if given.
    @Option(
        name: .customLong("priority-separator"),
        help: ArgumentHelp(
            "kombu's sep: what goes between a queue name and its priority bucket (and in binding members).",
            discussion: "Defaults to $CELERITY_PRIORITY_SEPARATOR, then kombu's \\x06\\x16. 1-32 printable ASCII characters.",
            valueName: "sep"
        )
    )
    public var prioritySeparator: String?

    /// The URL from the flag, else `CELERITY_REDIS_URL`, else the local default; with the global key prefix from
    /// `--global-keyprefix`, else `CELERITY_GLOBAL_KEYPREFIX`, else none. Also makes `--priority-steps` and
    /// `--priority-separator` (else `CELERITY_PRIORITY_STEPS`, `CELERITY_PRIORITY_SEPARATOR`, else kombu's
    /// defaults) the process's ``PriorityBuckets`` layout.
    /// - Throws: An error naming what is wrong with the URL (never the URL, which may carry a password), the prefix
    ///   or the priority layout.
    public func configuration() throws -> RedisConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration = RedisConfiguration.localDefault
        if let text = redisURL ?? environment["CELERITY_REDIS_URL"], !text.isEmpty {
            do {
                configuration = try RedisConfiguration(url: text)
            } catch {
                throw CommandError("\(error)")
            }
        }
        if let prefix = globalKeyPrefix ?? environment["CELERITY_GLOBAL_KEYPREFIX"], !prefix.isEmpty || globalKeyPrefix != nil {
            do {
                configuration.globalKeyPrefix = try GlobalKeyPrefix(prefix)
            } catch {
                let source = globalKeyPrefix != nil ? "--global-keyprefix" : "CELERITY_GLOBAL_KEYPREFIX"
                throw CommandError("\(source): \(error)")
            }
        }
        PriorityBuckets.use(try priorityLayout(environment))
        return configuration
    }

    private func priorityLayout(_ environment: [String: String]) throws -> PriorityLayout {
        let steps = prioritySteps ?? environment["CELERITY_PRIORITY_STEPS"].flatMap { $0.isEmpty ? nil : $0 }
        let separator = prioritySeparator ?? environment["CELERITY_PRIORITY_SEPARATOR"].flatMap { $0.isEmpty ? nil : $0 }
        let fallback = PriorityLayout.kombuDefault
        do {
            return try PriorityLayout(
                steps: steps ?? fallback.steps.map(String.init).joined(separator: ","), separator: separator ?? fallback.separator
            )
        } catch {
            throw CommandError(
                "--priority-steps/--priority-separator (or CELERITY_PRIORITY_STEPS/CELERITY_PRIORITY_SEPARATOR): \(error)"
            )
        }
    }

    /// A configuration for short-lived commands: give up quickly when Redis is not there.
    package func commandLineConfiguration() throws -> RedisConfiguration {
        var configuration = try configuration()
        configuration.connectTimeout = .seconds(2)
        configuration.reconnectTimeout = .seconds(1)
        return configuration
    }

    /// A logger for short-lived commands: only errors, since failures are reported as the command's error.
    package var quietLogger: Logger {
        var logger = Logger(label: "celerity.cli")
        logger.logLevel = .error
        return logger
    }
}

/// Parses a JSON command-line argument, naming the option and the position of a defect.
package func parseJSONArgument(_ text: String, option: String) throws -> JSONValue {
    do {
        return try JSONValue.parse(text)
    } catch {
        throw CommandError("\(option) is not valid JSON: \(error.reason) at character \(error.offset + 1) of \(text.debugDescription)")
    }
}

/// A failure reported as one line (`Error: …`) and exit status 1, without the usage text.
package struct CommandError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// `--config FILE` and `--set KEY=VALUE`: the application's ``Settings`` (flags, then environment, then file).
package struct SettingsOptions: ParsableArguments {
    package init() {}

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "A configuration file of KEY=VALUE lines (the same keys as the environment variables).",
            discussion: "Defaults to $CELERITY_CONFIG. Flags and environment variables override it.",
            valueName: "file"
        )
    )
    package var configFile: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a configuration key, overriding the environment (repeatable).", valueName: "KEY=VALUE"))
    package var values: [String] = []

    /// The settings these options describe, plus `extra` flag values (named flags such as `--database-url`).
    /// - Throws: ``CommandError`` naming a malformed `--set` or an unreadable file (never a value).
    package func settings(extra: [String: String] = [:]) throws -> Settings {
        var flags: [String: String] = [:]
        for pair in values {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw CommandError("--set expects KEY=VALUE; got a value without a key")
            }
            flags[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        for (key, value) in extra { flags[key] = value }
        do {
            let file = configFile ?? ProcessInfo.processInfo.environment["CELERITY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            return try Settings(flags: flags, file: file)
        } catch {
            throw CommandError("\(error)")
        }
    }
}
