import Postgres
import Testing

@Suite struct PostgresConfigurationTests {
    @Test func parsesTCPURLsWithEveryPart() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://app:p%40ss%3Aword@db.internal:6543/billing?sslmode=require&connect_timeout=3"
        )
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.user == "app")
        #expect(configuration.password == "p@ss:word")
        #expect(configuration.database == "billing")
        #expect(configuration.sslMode == "require")
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.description == "postgresql://app:***@db.internal:6543/billing")
    }

    @Test func parsesSocketURLs() throws {
        let query = try PostgresConfiguration(url: "postgresql:///jobs?host=/var/run/postgresql")
        #expect(query.host == "/var/run/postgresql")
        #expect(query.database == "jobs")
        #expect(query.user == nil)
        let encoded = try PostgresConfiguration(url: "postgres://worker@%2Fvar%2Frun%2Fpostgresql:5433/jobs")
        #expect(encoded.host == "/var/run/postgresql")
        #expect(encoded.port == 5433)
        #expect(encoded.user == "worker")
    }

    @Test(arguments: [
        ("mysql://u:topsecret@h/db", "scheme"),
        ("postgresql://u:topsecret@h:99999/db", "port"),
        ("postgresql://u:topsecret@h/db?sslmode=sometimes", "sslmode"),
        ("postgresql://u:topsecret@h/db?connect_timeout=-1", "connect_timeout"),
        ("postgresql://u:topsecret@h/db?pool=5", "pool"),
        ("postgresql://u:topsecret@h/db?password=topsecret&x=1", "\"x\""),
        ("u:topsecret@h/db", "postgresql://"),
    ])
    func invalidURLsAreRefusedWithoutShowingThePassword(url: String, named: String) {
        do {
            _ = try PostgresConfiguration(url: url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.code == .configuration)
            #expect("\(error)".contains(named), "\(error)")
            #expect(!"\(error)".contains("topsecret"), "\(error)")
        }
    }
}
