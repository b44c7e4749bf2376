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
        let name = format!("hoicho_test_{}", uuid::Uuid::now_v7().simple());
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

/// A PostgreSQL server of the test's own (initdb into a temporary directory, on a free
/// port), so the test can stop and start it without touching the machine's server.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    pub port: u16,
    /// More `-c` settings for the server.
    settings: String,
}

impl Cluster {
    pub fn start() -> Cluster {
        Cluster::start_with(|_| String::new())
    }

    /// A cluster that speaks TLS with `cert` and `key` (PEM) and accepts TCP connections only
    /// over TLS (`hostssl`); its own Unix socket stays plain, for the test's own use.
    pub fn start_tls(cert: &std::path::Path, key: &std::path::Path) -> Cluster {
        let (cert, key) = (cert.to_owned(), key.to_owned());
        Cluster::start_with(move |cluster| {
            let dir = cluster.dir.path();
            std::fs::copy(&cert, dir.join("server.crt")).expect("copy the certificate");
            std::fs::copy(&key, dir.join("server.key")).expect("copy the key");
            std::fs::write(
                std::path::Path::new(&cluster.data()).join("pg_hba.conf"),
                "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
            )
            .expect("write pg_hba.conf");
            for file in ["server.crt", "server.key", "data/pg_hba.conf"] {
                let path = dir.join(file);
                std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
                if is_root() {
                    let owned = std::process::Command::new("chown")
                        .args(["postgres:postgres"])
                        .arg(&path)
                        .status()
                        .expect("chown");
                    assert!(owned.success());
                }
            }
            format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                dir.join("server.crt").display(),
                dir.join("server.key").display()
            )
        })
    }

    fn start_with(prepare: impl FnOnce(&Cluster) -> String) -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's programs under /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("initdb");
        let dir = tempfile::Builder::new()
            .prefix("hoicho-pg-")
            .tempdir()
            .expect("a directory for the cluster");
        if is_root() {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
            let owned = std::process::Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(owned.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut cluster = Cluster {
            dir,
            bin,
            port,
            settings: String::new(),
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-A",
                "trust",
                "-U",
                "hoicho",
                "-E",
                "UTF8",
                "--no-locale",
            ],
        );
        cluster.settings = prepare(&cluster);
        cluster.start_again();
        eprintln!("PostgreSQL: a cluster of the test's own on port {port}");
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            std::process::Command::new(&path)
        };
        let output = command.args(args).output().expect("run a PostgreSQL program");
        assert!(
            output.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100{}",
            self.port,
            self.dir.path().display(),
            self.settings
        );
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"],
        );
    }

    /// Stops the server the quick way: connections are cut, nothing committed is lost.
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// The maintenance database, to make others in.
    pub fn server(&self) -> String {
        format!("postgres://hoicho@127.0.0.1:{}/postgres", self.port)
    }

    /// The maintenance database over the cluster's Unix socket.
    pub fn socket(&self) -> String {
        format!(
            "host={} port={} user=hoicho dbname=postgres",
            self.dir.path().display(),
            self.port
        )
    }

    /// A new, empty database on this cluster.
    pub async fn database(&self, name: &str) -> String {
        let (client, connection) = tokio_postgres::connect(&self.socket(), NoTls)
            .await
            .expect("the test's cluster answers");
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a database");
        url_for(&self.server(), name)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let path = self.bin.join("pg_ctl");
        let data = self.data();
        let mut command = if is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            std::process::Command::new(&path)
        };
        let _ = command.args(["-D", &data, "-m", "immediate", "-w", "stop"]).output();
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}
