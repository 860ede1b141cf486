//! `patchbay config check`: the effective configuration of `patchbay serve` (every
//! setting, its value with secrets redacted, and the layer it came from), then the checks
//! `serve` would make at start. Exits non-zero, naming each setting and its fix, when one
//! fails.

use std::fmt::Write as _;

use clap::parser::ValueSource;
use clap::{ArgMatches, Command, CommandFactory};

use super::layers::{Layered, file_key};
use super::migrate::print_stdout;
use super::serve::ServeArgs;
use super::{Cli, CliError};
use crate::config::{ENCRYPTION_KEY_VAR, Source, keyring_from, redact_url, setting};

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration of `serve` (secrets redacted) and check it; takes
    /// the same flags as `serve`.
    Check(Box<ServeArgs>),
}

/// Runs `config check` over the layered parse.
pub fn run(args: &ConfigArgs, layered: &Layered) -> Result<(), CliError> {
    let ConfigCommand::Check(serve) = &args.command;
    let command = Cli::command();
    let (Some(check_cmd), Some(check_matches)) = (
        command
            .find_subcommand("config")
            .and_then(|c| c.find_subcommand("check")),
        layered
            .matches
            .subcommand_matches("config")
            .and_then(|m| m.subcommand_matches("check")),
    ) else {
        return Err(CliError::Serve("config check: no such subcommand".into()));
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# patchbay serve: effective configuration ({})",
        layered.file.as_ref().map_or_else(
            || "no configuration file".to_owned(),
            |p| format!("file {}", p.display())
        )
    );
    text.push_str(&describe(
        check_cmd,
        check_matches,
        &layered.file_keys,
        &layered.matches,
    ));
    let problems = problems(serve);
    if problems.is_empty() {
        text.push_str("\n# configuration OK\n");
        print_stdout(&text)
    } else {
        print_stdout(&text)?;
        Err(CliError::Invalid(problems.join("\n")))
    }
}

/// One line per setting: `key = "value"  # layer`.
fn describe(
    command: &Command,
    matches: &ArgMatches,
    file_keys: &[String],
    root: &ArgMatches,
) -> String {
    let mut text = String::new();
    let mut args: Vec<_> = command
        .get_arguments()
        .filter(|a| a.get_env().is_some())
        .collect();
    // The global log settings live on the root command.
    let root_cmd = Cli::command();
    let globals: Vec<_> = root_cmd
        .get_arguments()
        .filter(|a| a.get_env().is_some() && a.get_id() != "config")
        .cloned()
        .collect();
    args.retain(|a| !globals.iter().any(|g| g.get_id() == a.get_id()));
    for (arg, from) in globals
        .iter()
        .map(|a| (a, root))
        .chain(args.into_iter().map(|a| (a, matches)))
    {
        let Some(env) = arg.get_env().and_then(|e| e.to_str()) else {
            continue;
        };
        let id = arg.get_id().as_str();
        let raw: Vec<String> = from
            .get_raw(id)
            .map(|vals| vals.map(|v| v.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let value = match raw.as_slice() {
            [] => None,
            values => Some(values.join(",")),
        };
        let shown = match value {
            None => "unset".to_owned(),
            Some(_) if arg.is_hide_env_values_set() && id != "database" => "\"***\"".to_owned(),
            Some(v) if id == "database" => format!("\"{}\"", redact_url(&v)),
            Some(v) => format!("{v:?}"),
        };
        let layer = match from.value_source(id) {
            Some(ValueSource::CommandLine) => "flag".to_owned(),
            Some(ValueSource::EnvVariable) => format!("environment {env}"),
            Some(ValueSource::DefaultValue) if file_keys.iter().any(|k| k == env) => {
                "file".to_owned()
            }
            Some(ValueSource::DefaultValue) => "default".to_owned(),
            _ => "unset".to_owned(),
        };
        let _ = writeln!(text, "{} = {shown}  # {layer}", file_key(env));
    }
    let key = match setting(ENCRYPTION_KEY_VAR) {
        None => "unset".to_owned(),
        Some((_, Source::Environment)) => format!("\"***\"  # environment {ENCRYPTION_KEY_VAR}"),
        Some((_, Source::File)) => "\"***\"  # file".to_owned(),
    };
    let _ = writeln!(text, "{} = {key}", file_key(ENCRYPTION_KEY_VAR));
    text
}

/// What `serve` would refuse, each naming the setting and the fix.
fn problems(serve: &ServeArgs) -> Vec<String> {
    let mut out = Vec::new();
    let key = setting(ENCRYPTION_KEY_VAR).map(|(v, _)| v);
    if (key.is_some() || !serve.sandbox)
        && let Err(e) = keyring_from(key.as_deref())
    {
        out.push(format!("encryption_key: {e}"));
    }
    let db = &serve.database.database;
    if !(db.starts_with("sqlite:")
        || db.starts_with("postgres://")
        || db.starts_with("postgresql://"))
    {
        out.push(format!(
            "database_url: `{}` is neither sqlite://FILE nor postgres://USER@HOST/DB",
            redact_url(db)
        ));
    }
    if let Some(public) = &serve.public_url {
        match url::Url::parse(public) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => out.push(format!(
                "public_url: `{public}` is not an http(s) URL; set PATCHBAY_PUBLIC_URL to the \
                 address end users and Dialpad reach this gateway at, e.g. https://patchbay.example.com"
            )),
        }
    }
    if !matches!(serve.dialpad_base_url.scheme(), "http" | "https") {
        out.push(format!(
            "dialpad_base_url: `{}` is not an http(s) URL",
            serve.dialpad_base_url
        ));
    }
    out
}
