//! The resume point of an export, kept next to its output as `<output>.export-state`: what
//! was asked for, the cursor of the next page, and the output's length after the last
//! completed page. Written after each page (to a temporary file, then renamed), so an
//! interrupted export resumes exactly after its last completed page.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What an export resumes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportState {
    /// The tenant, connection, model, format and `since` of the export, as one string:
    /// a resume with other arguments is refused.
    pub job: String,
    /// The sealed cursor of the next page; `None` when the export is done.
    pub cursor: Option<String>,
    /// The output's length after the last completed page.
    pub offset: u64,
    /// Records written so far.
    pub records: u64,
    /// Whether every page was written.
    pub done: bool,
}

/// Where the state of an export to `output` lives.
pub fn path_for(output: &Path) -> PathBuf {
    let mut name = output.file_name().unwrap_or_default().to_os_string();
    name.push(".export-state");
    output.with_file_name(name)
}

impl ExportState {
    /// Reads the state at `path` (`None` when there is none).
    pub fn load(path: &Path) -> io::Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes the state to `path` atomically (a reader sees the old or the new state).
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let mut tmp = path.as_os_str().to_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, serde_json::to_vec(self).map_err(io::Error::other)?)?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn state_round_trips_next_to_the_output() {
        let dir = std::env::temp_dir().join(format!("pb-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = path_for(&dir.join("calls.ndjson"));
        assert!(path.ends_with("calls.ndjson.export-state"));
        assert_eq!(ExportState::load(&path).unwrap(), None);
        let state = ExportState {
            job: "x".into(),
            cursor: Some("c".into()),
            offset: 42,
            records: 3,
            done: false,
        };
        state.save(&path).unwrap();
        assert_eq!(ExportState::load(&path).unwrap(), Some(state));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
