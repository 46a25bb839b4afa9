// Applications, the engine and the tests import `Broker` only; JSON, backoff, locks, threads and process
// spawning live in `Support` so that `Postgres` and `HTTP` can use them without linking hiredis. Re-exporting
// keeps one import for everything above Broker, so moving them changed no file outside Broker, Postgres and HTTP.
@_exported import Support
