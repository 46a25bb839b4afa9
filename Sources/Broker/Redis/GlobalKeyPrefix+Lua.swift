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

    private static func luaPreamble(brokerPrefix: String, resultPrefix: String) -> String {
        let table = positions.filter { $0.value != .first }.sorted { $0.key < $1.key }
            .map { "\($0.key)='\($0.value.rawValue)'" }.joined(separator: ",")
        let starts = resultKeyStarts.map { "'\($0)'" }.joined(separator: ",")
        return """
            local redis = (function(server)
              local broker_prefix, result_prefix, result_starts = '\(brokerPrefix)', '\(resultPrefix)', {\(starts)}
              local positions = {\(table),SCAN='refused',KEYS='refused',EVAL='refused'}
              local function key(name)
                name = tostring(name)
                for _, start in ipairs(result_starts) do
                  if string.sub(name, 1, #start) == start then return result_prefix .. name end
                end
                return broker_prefix .. name
              end
              local function prefixed(args)
                local command = string.upper(tostring(args[1]))
                local kind, n = positions[command] or 'first', #args
                if kind == 'refused' then error(command .. ' cannot run in a script under a global key prefix') end
                if kind == 'first' then if n >= 2 then args[2] = key(args[2]) end
                elseif kind == 'firstTwo' then for i = 2, math.min(3, n) do args[i] = key(args[i]) end
                elseif kind == 'all' then for i = 2, n do args[i] = key(args[i]) end
                elseif kind == 'allButLast' then for i = 2, n - 1 do args[i] = key(args[i]) end
                elseif kind == 'alternate' then for i = 2, n, 2 do args[i] = key(args[i]) end
                end
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
