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
    /// calls), so it builds no command table: the command kinds are space-separated strings searched with
    /// `string.find`, once per command name and call.
    private static func luaPreamble(brokerPrefix: String, resultPrefix: String) -> String {
        var kinds: [KeyPositions: [String]] = [:]
        for (command, kind) in positions { kinds[kind, default: []].append(command) }
        for command in ["SCAN", "KEYS", "EVAL"] { kinds[.refused, default: []].append(command) }
        func names(_ kind: KeyPositions) -> String { " " + (kinds[kind] ?? []).sorted().joined(separator: " ") + " " }
        let resultChecks = resultKeyStarts.map { "find(name, '\($0)', 1, true) == 1" }.joined(separator: " or ")
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
              local kinds = {}
              local function kind_of(name)
                local command = ' ' .. upper(tostring(name)) .. ' '
                if find(keyless, command, 1, true) then return 'keyless' end
                if find(refused, command, 1, true) then
                  error(command .. 'cannot run in a script under a global key prefix')
                end
                if find(all, command, 1, true) then return 'all' end
                if find(all_but_last, command, 1, true) then return 'all_but_last' end
                if find(first_two, command, 1, true) then return 'first_two' end
                if find(alternate, command, 1, true) then return 'alternate' end
                return 'first'
              end
              local function kind(name)
                local known = kinds[name]
                if not known then known = kind_of(name); kinds[name] = known end
                return known
              end
              local function prefixed(args, kind)
                local n = #args
                local to, step = n, 1
                if kind == 'all_but_last' then to = n - 1
                elseif kind == 'first_two' then to = math.min(3, n)
                elseif kind == 'alternate' then step = 2
                end
                for i = 2, to, step do args[i] = key(args[i]) end
                return args
              end
              -- The common cases (one key first, or none) pass the arguments on without building a table.
              local function through(run, name, first, ...)
                local known = kind(name)
                if first == nil then return run(name) end
                if known == 'keyless' then return run(name, first, ...) end
                if known == 'first' then return run(name, key(first), ...) end
                return run(unpack(prefixed({name, first, ...}, known)))
              end
              return setmetatable({
                call = function(...) return through(server.call, ...) end,
                pcall = function(...) return through(server.pcall, ...) end,
              }, {__index = server})
            end)(redis)

            """
    }
}
