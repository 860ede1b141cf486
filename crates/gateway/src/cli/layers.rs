//! Configuration in layers: built-in defaults, then a TOML file (`--config FILE`,
//! `PATCHBAY_CONFIG`, or `patchbay.toml` in the working directory when present), then
//! `PATCHBAY_*` environment variables, then command-line flags.
//!
//! Every file key is the name of an environment variable without its `PATCHBAY_` prefix,
//! lower-cased, either flat (`dialpad_base_url = "…"`) or in a table (`[dialpad]`
//! `base_url = "…"`). A file value becomes the default of the flag reading that variable,
//! so clap's own precedence (flag, then environment, then default) does the rest, and the
//! same validation answers whatever layer a value came from.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{ArgMatches, Command};

use crate::config::{self, FileSettings};

/// The default configuration file, read when it exists.
pub const DEFAULT_FILE: &str = "patchbay.toml";
/// The variable naming the configuration file.
pub const CONFIG_VAR: &str = "PATCHBAY_CONFIG";

/// Settings read through [`crate::config::setting`] rather than a flag.
const FREE_SETTINGS: &[&str] = &[config::ENCRYPTION_KEY_VAR];

/// A configuration file that cannot be used, worded for the operator.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "the configuration file {path} sets `{key}`, which is not a setting; valid settings \
         are listed by `patchbay config check` and in docs/configuration.md{hint}"
    )]
    Unknown {
        path: PathBuf,
        key: String,
        hint: String,
    },
    #[error(
        "the configuration file {path} sets `{key}` to a {kind}; use a string, number or \
         boolean (lists as a comma-separated string)"
    )]
    Shape {
        path: PathBuf,
        key: String,
        kind: &'static str,
    },
}

/// The parsed command line with the file layer applied.
#[derive(Debug)]
pub struct Layered {
    /// The matches, for `config check` (values and where each came from).
    pub matches: ArgMatches,
    /// The file read, if any.
    pub file: Option<PathBuf>,
    /// The environment variables the file gave a value for.
    pub file_keys: Vec<String>,
}

/// Parses `args` (the process's, first item the program name) over `command` with the
/// configuration file's values as defaults. Settings that are not flags are published
/// through [`config::install_file_settings`].
pub fn parse(
    command: Command,
    args: Vec<OsString>,
    env_file: Option<OsString>,
) -> Result<Result<Layered, clap::Error>, LayerError> {
    let (path, explicit) = match config_flag(&args).or_else(|| env_file.map(PathBuf::from)) {
        Some(path) => (Some(path), true),
        None => {
            let default = PathBuf::from(DEFAULT_FILE);
            (default.is_file().then_some(default), false)
        }
    };
    let values = match &path {
        Some(path) => read(path, explicit)?,
        None => BTreeMap::new(),
    };
    let mut command = command;
    let mut unused: BTreeMap<String, ()> = values.keys().map(|k| (k.clone(), ())).collect();
    command = apply(command, &values, &mut unused);
    let free: BTreeMap<String, String> = values
        .iter()
        .filter(|(k, _)| FREE_SETTINGS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for key in free.keys() {
        unused.remove(key);
    }
    if let (Some(key), Some(path)) = (unused.keys().next(), &path) {
        return Err(LayerError::Unknown {
            path: path.clone(),
            key: file_key(key),
            hint: hint(&command, key),
        });
    }
    config::install_file_settings(FileSettings {
        path: path.clone(),
        values: free,
    });
    let file_keys = values.keys().cloned().collect();
    Ok(command.try_get_matches_from(args).map(|matches| Layered {
        matches,
        file: path,
        file_keys,
    }))
}

/// The value of `--config`, looked for before clap parses (it decides the defaults).
fn config_flag(args: &[OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(value) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(value));
        }
    }
    None
}

/// The file's settings, keyed by environment variable (`PATCHBAY_LISTEN`).
fn read(path: &Path, explicit: bool) -> Result<BTreeMap<String, String>, LayerError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(BTreeMap::new());
        }
        Err(source) => {
            return Err(LayerError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| LayerError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })?;
    let mut out = BTreeMap::new();
    flatten(path, "", &table, &mut out)?;
    Ok(out)
}

fn flatten(
    path: &Path,
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), LayerError> {
    for (key, value) in table {
        let name = format!("{prefix}{}", key.replace('-', "_").to_ascii_uppercase());
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Table(inner) if prefix.is_empty() => {
                flatten(path, &format!("{name}_"), inner, out)?;
                continue;
            }
            other => {
                return Err(LayerError::Shape {
                    path: path.to_owned(),
                    key: file_key(&format!("PATCHBAY_{name}")),
                    kind: other.type_str(),
                });
            }
        };
        out.insert(format!("PATCHBAY_{name}"), text);
    }
    Ok(())
}

/// `command` (and its subcommands) with each file value as the default of the argument
/// reading the same environment variable.
fn apply(
    mut command: Command,
    values: &BTreeMap<String, String>,
    unused: &mut BTreeMap<String, ()>,
) -> Command {
    let ids: Vec<(String, String)> = command
        .get_arguments()
        .filter_map(|a| {
            let env = a.get_env()?.to_str()?.to_owned();
            values
                .get(&env)
                .map(|_| (a.get_id().as_str().to_owned(), env))
        })
        .collect();
    for (id, env) in ids {
        if let Some(value) = values.get(&env) {
            unused.remove(&env);
            let value = value.clone();
            command = command.mut_arg(id, move |a| a.default_value(value));
        }
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |sub| apply(sub, values, unused));
    }
    command
}

/// The file key for an environment variable name.
pub fn file_key(env: &str) -> String {
    env.strip_prefix("PATCHBAY_")
        .unwrap_or(env)
        .to_ascii_lowercase()
}

/// " (did you mean `x`?)" when a setting's name is close.
fn hint(command: &Command, env: &str) -> String {
    let mut known = Vec::new();
    collect_envs(command, &mut known);
    known.extend(FREE_SETTINGS.iter().map(|s| (*s).to_owned()));
    let wanted = file_key(env);
    known
        .iter()
        .map(|k| file_key(k))
        .filter(|k| close(k, &wanted))
        .min_by_key(|k| k.len().abs_diff(wanted.len()))
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// Every environment variable an argument of `command` or its subcommands reads.
pub fn collect_envs(command: &Command, out: &mut Vec<String>) {
    for arg in command.get_arguments() {
        if let Some(env) = arg.get_env().and_then(|e| e.to_str())
            && !out.iter().any(|k| k == env)
        {
            out.push(env.to_owned());
        }
    }
    for sub in command.get_subcommands() {
        collect_envs(sub, out);
    }
}

/// Whether two names are a small edit apart (or one contains the other).
fn close(a: &str, b: &str) -> bool {
    if a.contains(b) || b.contains(a) {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            row.push((prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1));
        }
        prev = row;
    }
    prev[b.len()] <= 2
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn tables_and_flat_keys_name_the_same_variable() {
        let table: toml::Table =
            "dialpad_base_url = 'a'\n[dialpad]\nclient_id = 'b'\n[log]\nformat = 'json'\n"
                .parse()
                .unwrap();
        let mut out = BTreeMap::new();
        flatten(Path::new("p.toml"), "", &table, &mut out).unwrap();
        assert_eq!(out["PATCHBAY_DIALPAD_BASE_URL"], "a");
        assert_eq!(out["PATCHBAY_DIALPAD_CLIENT_ID"], "b");
        assert_eq!(out["PATCHBAY_LOG_FORMAT"], "json");
    }

    #[test]
    fn arrays_are_refused_with_the_key() {
        let table: toml::Table = "listen = [1, 2]".parse().unwrap();
        let err = flatten(Path::new("p.toml"), "", &table, &mut BTreeMap::new()).unwrap_err();
        assert!(err.to_string().contains("`listen`"), "{err}");
    }

    #[test]
    fn config_flag_is_found_in_both_spellings() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            config_flag(&args(&["patchbay", "serve", "--config", "x.toml"])),
            Some(PathBuf::from("x.toml"))
        );
        assert_eq!(
            config_flag(&args(&["patchbay", "--config=y.toml", "serve"])),
            Some(PathBuf::from("y.toml"))
        );
        assert_eq!(config_flag(&args(&["patchbay", "serve"])), None);
    }

    #[test]
    fn near_names_are_suggested() {
        assert!(close("listen", "lisen"));
        assert!(close("database_url", "database"));
        assert!(!close("listen", "public_url"));
    }
}
