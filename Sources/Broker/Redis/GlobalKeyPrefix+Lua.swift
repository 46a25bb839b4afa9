extension GlobalKeyPrefix {
    /// `source` run under the prefix: a first statement binds a local `redis` whose `call` and `pcall` prefix
    /// keys and channels by the same table as ``command(_:)`` before passing the command to the server's, so
    /// `KEYS`, key names built in the script and keys named in `ARGV` are all prefixed where they are used,
    /// and the script itself sees and returns names without the prefix, as the Swift code around it does.
    /// Commands the table refuses raise a Lua error naming the command.
    ///
    /// The prefix is validated (no quotes or backslashes), so it is safe inside a Lua string literal.
    public func script(_ source: String) -> String {
        Self.luaPreamble(brokerPrefix: brokerPrefix, resultPrefix: resultPrefix) + source
    }

    /// The first statement of a prefixed script. It runs on every call of the script (Redis keeps no state between
    /// calls), so it builds no tables: the command kinds are space-separated strings searched with `string.find`.
    private static func luaPreamble(brokerPrefix: String, resultPrefix: String) -> String {
        var kinds: [KeyPositions: [String]] = [:]
        for (command, kind) in positions { kinds[kind, default: []].append(command) }
        for command in ["SCAN", "KEYS", "EVAL"] { kinds[.refused, default: []].append(command) }
        func names(_ kind: KeyPositions) -> String { " " + (kinds[kind] ?? []).sorted().joined(separator: " ") + " " }
        let resultChecks = resultKeyStarts.map { "string.sub(name, 1, \($0.utf8.count)) == '\($0)'" }
            .joined(separator: " or ")
        return """
            local redis = (function(server)
              local broker_prefix, result_prefix = '\(brokerPrefix)', '\(resultPrefix)'
              local keyless, all, all_but_last = '\(names(.keyless))', '\(names(.all))', '\(names(.allButLast))'
              local first_two, alternate, refused = '\(names(.firstTwo))', '\(names(.alternate))', '\(names(.refused))'
              local find, upper = string.find, string.upper
              local function key(name)
                name = tostring(name)
                if \(resultChecks) then return result_prefix .. name end
                return broker_prefix .. name
              end
              local function prefixed(args)
                local command, n = ' ' .. upper(tostring(args[1])) .. ' ', #args
                if find(keyless, command, 1, true) then return args end
                if find(refused, command, 1, true) then
                  error(command .. 'cannot run in a script under a global key prefix')
                end
                local from, to, step = 2, math.min(2, n), 1
                if find(all, command, 1, true) then to = n
                elseif find(all_but_last, command, 1, true) then to = n - 1
                elseif find(first_two, command, 1, true) then to = math.min(3, n)
                elseif find(alternate, command, 1, true) then to, step = n, 2
                end
                for i = from, to, step do args[i] = key(args[i]) end
                return args
              end
              return setmetatable({
                call = function(...) return server.call(unpack(prefixed({...}))) end,
                pcall = function(...) return server.pcall(unpack(prefixed({...}))) end,
              }, {__index = server})
            end)(redis)

            """
    }
}
