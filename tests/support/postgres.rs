//! A database of its own for each test on the PostgreSQL server on this machine
//! (`HOICHO_TEST_POSTGRES` names another server), dropped when the test ends.

use tokio_postgres::NoTls;

/// The server the tests use: its maintenance database, where new databases are made.
pub fn server() -> String {
    std::env::var("HOICHO_TEST_POSTGRES").unwrap_or_else(|_| {
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        format!("postgres://{user}@localhost:5432/postgres")
    })
}

/// `server()` with another database name.
pub fn url_for(server: &str, name: &str) -> String {
    let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
    format!("{base}/{name}")
}

pub struct Database {
    pub name: String,
    pub url: String,
    server: String,
}

impl Database {
    /// Creates an empty database. Panics (the test fails, it does not skip) when the server
    /// cannot be reached.
    pub async fn create() -> Database {
        let server = server();
        let name = format!("hoicho_test_{}", uuid::Uuid::new_v4().simple());
        let (client, connection) = tokio_postgres::connect(&server, NoTls)
            .await
            .unwrap_or_else(|e| panic!("these tests need the PostgreSQL server at {server}: {e}"));
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
        eprintln!("PostgreSQL: test database {name} on {server}");
        Database {
            url: url_for(&server, &name),
            name,
            server,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime: the clean-up gets a thread and a runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&server, NoTls).await.ok()?;
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
    }
}
