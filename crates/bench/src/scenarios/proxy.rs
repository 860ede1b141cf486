//! `proxy`: the raw proxy against direct calls to the sandbox and against Debian's nginx
//! configured as a reverse proxy to the same sandbox (when nginx is installed:
//! `apt-get install -y nginx`), same load client, small GETs and 1 MB responses.

use std::path::Path;
use std::time::Duration;

use crate::Common;
use crate::harness::{self, Error, OWNER, Options};
use crate::load::{Load, Stats};
use crate::report::{LOAD_COLUMNS, Table, load_row};

const SMALL: &str = "/api/v2/company";
const LARGE: &str = "/_sandbox/bytes/1048576";

pub async fn run(common: &Common) -> Result<String, Error> {
    let setup = harness::start_with(
        &Options {
            size: 50,
            database_url: common.database.clone(),
            rate_limits: false,
        },
        |_| {},
    )
    .await?;
    let sb = setup.sandbox.url();
    let gw = setup.gateway.url();
    let nginx = match nginx_binary() {
        Some(bin) => Some(Nginx::start(&bin, &setup.dir, &sb).await?),
        None => None,
    };
    let mut out = String::from("### proxy\n\n");
    for (label, path, connections) in [
        ("small GET", SMALL, common.connections),
        ("1 MB GET", LARGE, common.connections.min(16)),
    ] {
        let run = |url: String, headers| async move {
            Load {
                url,
                headers,
                connections,
                duration: common.duration,
                warmup: common.warmup,
            }
            .run()
            .await
        };
        let direct = run(format!("{sb}{path}"), setup.dialpad_headers()).await;
        let via_nginx: Option<Stats> = match &nginx {
            Some(n) => Some(run(format!("{}{path}", n.url), setup.dialpad_headers()).await),
            None => None,
        };
        let gateway = run(
            format!("{gw}/v1/proxy/dialpad/{OWNER}{path}"),
            setup.gateway_headers(),
        )
        .await;
        let mut table = Table::new(LOAD_COLUMNS);
        table.row(load_row(&format!("direct, {label}"), &direct, None));
        if let Some(n) = &via_nginx {
            table.row(load_row(&format!("nginx, {label}"), n, Some(&direct)));
        }
        table.row(load_row(
            &format!("gateway, {label}"),
            &gateway,
            Some(&direct),
        ));
        out.push_str(&format!("{label}, {connections} connections:\n\n"));
        out.push_str(&table.render());
        if let Some(n) = &via_nginx {
            out.push_str(&format!(
                "\ngateway / nginx: throughput {:.2}, added p50 {:+.0} µs vs nginx's {:+.0} µs\n\n",
                gateway.rps / n.rps.max(1e-9),
                (gateway.p50.as_secs_f64() - direct.p50.as_secs_f64()) * 1e6,
                (n.p50.as_secs_f64() - direct.p50.as_secs_f64()) * 1e6,
            ));
        } else {
            out.push_str("\n(nginx is not installed: `apt-get install -y nginx` to compare)\n\n");
        }
    }
    if let Some(n) = nginx {
        n.stop();
    }
    setup.stop().await;
    Ok(out)
}

fn nginx_binary() -> Option<String> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .find(|p| Path::new(p).exists())
        .map(|p| (*p).to_owned())
}

/// nginx as a reverse proxy: upstream keep-alive, no buffering, like a tuned deployment.
struct Nginx {
    child: std::process::Child,
    url: String,
}

impl Nginx {
    async fn start(bin: &str, dir: &Path, upstream: &str) -> Result<Self, Error> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let prefix = dir.join("nginx");
        std::fs::create_dir_all(prefix.join("logs"))?;
        let upstream = upstream.trim_start_matches("http://");
        let conf = format!(
            "worker_processes auto;\npid {p}/nginx.pid;\nerror_log {p}/logs/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n\
               fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n\
               upstream sandbox {{ server {upstream}; keepalive 128; }}\n\
               server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://sandbox;\n\
                 proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_buffering off;\n    }}\n  }}\n}}\n",
            p = prefix.display()
        );
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf)?;
        let child = std::process::Command::new(bin)
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(&prefix)
            .args(["-g", "daemon off;"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(Self { child, url });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("nginx did not start".into())
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
