//! The HTML document around every page the toolkit renders: the built-in pages and the
//! denial pages. Plain string building, so denials render without the `pages` feature (and
//! its template engine); text is escaped as maud escapes it, so both produce the same bytes.

use crate::config::AuthConfig;

/// The built-in stylesheet: system fonts, a centred card, light and dark schemes, no external
/// resources.
pub const STYLESHEET: &str = r#"
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1c1e21;--muted:#5f6368;--border:#d5d8dc;--accent:#2563eb;--accent-text:#fff;--error-bg:#fdecea;--error:#b3261e;--notice-bg:#e8f5e9;--notice:#1b5e20}
@media (prefers-color-scheme:dark){:root{--bg:#121417;--card:#1d2025;--text:#e8eaed;--muted:#9aa0a6;--border:#3c4043;--accent:#60a5fa;--accent-text:#0b1220;--error-bg:#3b1f1d;--error:#f2b8b5;--notice-bg:#1e3323;--notice:#a5d6a7}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:1rem}
main{width:100%;max-width:24rem;background:var(--card);border:1px solid var(--border);border-radius:12px;padding:2rem 1.75rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.brand{display:flex;align-items:center;gap:.5rem;font-weight:600;color:var(--muted);margin-bottom:1.25rem}
.brand img{border-radius:6px}
h1{font-size:1.5rem;margin:0 0 1.25rem}
label{display:block;font-size:.9rem;font-weight:500;margin:1rem 0 .35rem}
input[type=text],input[type=email],input[type=password]{width:100%;padding:.65rem .75rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--border);border-radius:8px}
input:focus{outline:2px solid var(--accent);outline-offset:1px;border-color:transparent}
button{width:100%;margin-top:1.5rem;padding:.7rem 1rem;font:inherit;font-weight:600;color:var(--accent-text);background:var(--accent);border:0;border-radius:8px;cursor:pointer}
button:hover{filter:brightness(1.08)}
.errors,.notice{border-radius:8px;padding:.6rem .8rem;margin:0 0 1rem;font-size:.95rem}
.errors{background:var(--error-bg);color:var(--error)}
.errors ul{margin:0;padding-left:1.1rem}
.field-error{color:var(--error);font-size:.85rem;margin:.3rem 0 0}
.notice{background:var(--notice-bg);color:var(--notice)}
.links{margin-top:1.25rem;font-size:.95rem;display:flex;flex-direction:column;gap:.4rem}
a{color:var(--accent)}
p.intro{color:var(--muted);margin:0 0 .5rem}
"#;

/// Escapes `& < > "` for HTML text and attribute values (maud's rules).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The document: head with title and stylesheet, the brand header, the title, an optional
/// notice, then `content` (already HTML).
pub fn document(cfg: &AuthConfig, title: &str, notice: Option<&str>, content: &str) -> String {
    let brand = escape(&cfg.brand_text);
    let title = escape(title);
    let icon = cfg.brand_icon_src.as_deref().map_or(String::new(), |src| {
        format!(
            r#"<img src="{}" alt="" width="28" height="28">"#,
            escape(src)
        )
    });
    let notice = notice.map_or(String::new(), |n| {
        format!(r#"<p class="notice" role="status">{}</p>"#, escape(n))
    });
    format!(
        concat!(
            r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">"#,
            r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#,
            r#"<meta name="referrer" content="same-origin">"#,
            "<title>{title} · {brand}</title><style>{style}</style></head>",
            r#"<body><main><div class="brand">{icon}<span>{brand}</span></div>"#,
            "<h1>{title}</h1>{notice}{content}</main></body></html>"
        ),
        title = title,
        brand = brand,
        style = STYLESHEET,
        icon = icon,
        notice = notice,
        content = content,
    )
}

/// A denial page's content: the message and a link home.
pub fn denial_content(message: &str) -> String {
    format!(
        r#"<p>{}</p><div class="links"><a href="/">Home</a></div>"#,
        escape(message)
    )
}
