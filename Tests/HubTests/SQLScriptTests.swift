import Testing

@testable import Hub

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesBodiesAndComments() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE t (x text DEFAULT 'a;b');
            /* block; comment */ CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
            CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 2; END $body$;
            SELECT "odd;name" FROM t;
            SELECT $1
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 5)
        #expect(statements[0] == "CREATE TABLE t (x text DEFAULT 'a;b')")
        #expect(statements[1].hasSuffix("AS $$ SELECT 1; $$"))
        #expect(statements[2].hasSuffix("$body$ BEGIN RETURN 2; END $body$"))
        #expect(statements[3] == "SELECT \"odd;name\" FROM t")
        #expect(statements[4] == "SELECT $1")
    }

    @Test func theMigrationsSplitIntoStatements() throws {
        for migration in try Migration.load(from: TestDatabase.migrationsDirectory) {
            let statements = SQLScript.statements(migration.sql)
            #expect(!statements.isEmpty)
            #expect(statements.allSatisfy { !$0.hasPrefix("--") && !$0.isEmpty })
        }
    }
}
