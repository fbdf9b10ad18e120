//! Starting an example app as a real process, and talking to it like a browser: a cookie jar,
//! forms fetched then submitted with every field, redirects followed on request.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A running example app on a free loopback port, with its own SQLite file and mail directory.
pub struct Server {
    child: tokio::process::Child,
    bin: PathBuf,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `127.0.0.1:PORT`
    pub addr: String,
    /// Temporary directory holding the database and mail.
    pub dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts `bin` and waits until it answers.
    pub async fn start(bin: &str) -> Server {
        Self::start_with(bin, &[]).await
    }

    /// Starts `bin` with extra environment variables.
    pub async fn start_with(bin: &str, extra: &[(&str, &str)]) -> Server {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let dir = std::env::temp_dir().join(format!(
            "auth-bb-{port}-{}",
            auth_core::SessionId::generate().as_str()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut env = vec![
            ("BIND_ADDR".to_string(), addr.clone()),
            (
                "DATABASE_URL".to_string(),
                format!("sqlite://{}", dir.join("app.db").display()),
            ),
            (
                "AUTH_MAIL_DIR".to_string(),
                dir.join("mail").display().to_string(),
            ),
            (
                "AUTH_SECRET_KEY".to_string(),
                "black-box-test-secret".to_string(),
            ),
            ("RUST_LOG".to_string(), "warn".to_string()),
        ];
        for (k, v) in extra {
            env.retain(|(ek, _)| ek != k);
            env.push((k.to_string(), v.to_string()));
        }
        let mut cmd = tokio::process::Command::new(bin);
        cmd.envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let server = Server {
            child,
            bin: PathBuf::from(bin),
            base: format!("http://{addr}"),
            addr,
            dir,
            env,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(&server.addr).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{bin} did not start listening on {}", server.addr);
    }

    /// Runs an admin subcommand of the same binary against the same database, whatever its
    /// outcome.
    pub async fn admin_output(&self, args: &[&str]) -> std::process::Output {
        tokio::process::Command::new(&self.bin)
            .args(args)
            .envs(self.env.iter().cloned())
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap()
    }

    /// Runs an admin subcommand of the same binary against the same database.
    pub async fn admin(&self, args: &[&str]) -> std::process::Output {
        let out = self.admin_output(args).await;
        assert!(
            out.status.success(),
            "admin {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The mail directory.
    pub fn mail_dir(&self) -> PathBuf {
        self.dir.join("mail")
    }

    /// Every mail written so far, oldest first.
    pub fn mails(&self) -> Vec<String> {
        mails_in(&self.mail_dir())
    }
}

/// Every mail (`.eml` file) in `dir`, oldest first.
pub fn mails_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// A response as the test sees it.
#[derive(Clone, Debug)]
pub struct Page {
    pub status: u16,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The fields of the first `<form>` on the page: every named input with its value.
    pub fn form_fields(&self) -> BTreeMap<String, String> {
        let start = self
            .body
            .find("<form")
            .unwrap_or_else(|| panic!("no form on {}: {}", self.url, self.body));
        let end = self.body[start..]
            .find("</form>")
            .map_or(self.body.len(), |e| start + e);
        let form = &self.body[start..end];
        let mut fields = BTreeMap::new();
        for tag in form.split("<input").skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            if let Some(name) = attr(tag, "name") {
                fields.insert(name, attr(tag, "value").unwrap_or_default());
            }
        }
        fields
    }
    /// The text of the first `<h1>`.
    pub fn h1(&self) -> String {
        let s = self.body.find("<h1>").map(|i| i + 4).unwrap_or(0);
        let e = self.body[s..].find("</h1>").map_or(s, |e| s + e);
        unescape(&self.body[s..e])
    }
    /// The body with the CSRF token values blanked, to compare pages.
    pub fn without_tokens(&self) -> String {
        let mut out = String::new();
        let mut rest = self.body.as_str();
        while let Some(i) = rest.find("name=\"csrf_token\" value=\"") {
            let j = i + "name=\"csrf_token\" value=\"".len();
            out.push_str(&rest[..j]);
            rest = &rest[j..];
            rest = &rest[rest.find('"').unwrap_or(0)..];
        }
        out.push_str(rest);
        out
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(unescape(&tag[i..j]))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A browser-like client with its own cookie jar.
pub struct Browser {
    client: HyperClient<HttpConnector, Full<Bytes>>,
    base: String,
    host: String,
    /// Cookie name -> value.
    pub jar: BTreeMap<String, String>,
    /// Extra headers on every request.
    pub headers: Vec<(String, String)>,
}

impl Browser {
    /// Points this browser at another process, keeping its cookies (as a load balancer would).
    pub fn switch_to(&mut self, server: &Server) {
        self.retarget(&server.base, &server.addr);
    }
}

impl Browser {
    pub fn new(server: &Server) -> Browser {
        Self::at(&server.base, &server.addr)
    }

    /// A browser for the server at `base` (`http://HOST:PORT`), sending `Host: host`.
    pub fn at(base: &str, host: &str) -> Browser {
        Browser {
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
            base: base.to_owned(),
            host: host.to_owned(),
            jar: BTreeMap::new(),
            headers: vec![(
                "accept".into(),
                "text/html,application/xhtml+xml,*/*;q=0.8".into(),
            )],
        }
    }

    /// Sends the next requests to another address (cookies are kept).
    pub fn retarget(&mut self, base: &str, host: &str) {
        self.base = base.to_owned();
        self.host = host.to_owned();
    }

    /// An API client: asks for JSON.
    pub fn api(server: &Server) -> Browser {
        let mut b = Browser::new(server);
        b.headers = vec![("accept".into(), "application/json".into())];
        b
    }

    pub fn cookie(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The session cookie's value.
    pub fn session(&self) -> Option<String> {
        self.jar.get("sessionid").cloned()
    }

    /// One request, no redirect following.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> Page {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        // One connection per request: a server may close a connection after refusing a body it
        // did not read (413), and a pooled connection would then fail the next request.
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(&url)
            .header("host", &self.host)
            .header("connection", "close");
        for (k, v) in &self.headers {
            if !extra.iter().any(|(ek, _)| ek.eq_ignore_ascii_case(k)) {
                b = b.header(k.as_str(), v.as_str());
            }
        }
        if !self.jar.is_empty() {
            b = b.header("cookie", self.cookie());
        }
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        let res = tokio::time::timeout(
            Duration::from_secs(20),
            self.client
                .request(b.body(Full::new(Bytes::from(body))).unwrap()),
        )
        .await
        .expect("request timed out")
        .expect("request failed");
        let status = res.status().as_u16();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        for (k, v) in &headers {
            if k == "set-cookie" {
                let pair = v.split(';').next().unwrap_or("");
                if let Some((name, value)) = pair.split_once('=') {
                    let expired = v.contains("Max-Age=0");
                    if expired || value.is_empty() {
                        self.jar.remove(name);
                    } else {
                        self.jar.insert(name.to_owned(), value.to_owned());
                    }
                }
            }
        }
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            url,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.request("GET", path, None, vec![], &[]).await
    }

    /// GET and follow redirects (at most 10).
    pub async fn visit(&mut self, path: &str) -> Page {
        let page = self.get(path).await;
        self.follow(page).await
    }

    pub async fn follow(&mut self, mut page: Page) -> Page {
        for _ in 0..10 {
            if !(300..400).contains(&page.status) {
                return page;
            }
            let loc = page
                .location()
                .expect("redirect without Location")
                .to_owned();
            page = self.get(&loc).await;
        }
        panic!("redirect loop");
    }

    /// POSTs fields as a form, from this site (with a matching `Origin`).
    pub async fn post_form(&mut self, path: &str, fields: &BTreeMap<String, String>) -> Page {
        let body = encode(fields);
        let origin = self.base.clone();
        self.request(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            &[("origin", &origin)],
        )
        .await
    }

    /// Fetches the form at `path`, fills `values` over its fields, submits it to the form's
    /// action, and returns the answer (not followed).
    pub async fn submit(&mut self, path: &str, values: &[(&str, &str)]) -> Page {
        let page = self.visit(path).await;
        assert_eq!(page.status, 200, "GET {path}: {}", page.body);
        let mut fields = page.form_fields();
        for (k, v) in values {
            fields.insert(k.to_string(), v.to_string());
        }
        let action = form_action(&page.body).unwrap_or_else(|| page.url.clone());
        self.post_form(&action, &fields).await
    }

    /// `GET /api/me` as an API client: the whole answer.
    pub async fn me_page(&mut self) -> Page {
        self.request(
            "GET",
            "/api/me",
            None,
            vec![],
            &[("accept", "application/json")],
        )
        .await
    }

    /// `GET /api/me` as an API client: the status and, on 200, the username.
    pub async fn me(&mut self) -> (u16, Option<String>) {
        let r = self.me_page().await;
        let name =
            (r.status == 200).then(|| r.json()["username"].as_str().unwrap_or("").to_owned());
        (r.status, name)
    }

    /// Logs in through the login form; panics unless it redirects.
    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        let r = self
            .submit("/login", &[("username", username), ("password", password)])
            .await;
        assert_eq!(r.status, 303, "login as {username} failed: {}", r.body);
        r
    }
}

fn form_action(body: &str) -> Option<String> {
    let start = body.find("<form")?;
    let tag = &body[start..start + body[start..].find('>')?];
    attr(tag, "action")
}

pub fn encode(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                auth_core::http::percent_encode(k),
                auth_core::http::percent_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}
