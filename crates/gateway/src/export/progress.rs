//! Progress on stderr: on a terminal one line redrawn in place (a count, the rate, and a
//! spinner while waiting); otherwise a plain line every few seconds, so logs stay readable.

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
/// How often a terminal line is redrawn.
const REDRAW: Duration = Duration::from_millis(100);
/// How often a plain line is printed.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// A progress reporter for `what` ("records", "stats job").
#[derive(Debug)]
pub struct Progress {
    what: &'static str,
    tty: bool,
    quiet: bool,
    started: Instant,
    last: Option<Instant>,
    frame: usize,
}

impl Progress {
    /// Reports on stderr; `quiet` prints nothing.
    pub fn new(what: &'static str, quiet: bool) -> Self {
        Self {
            what,
            tty: std::io::stderr().is_terminal(),
            quiet,
            started: Instant::now(),
            last: None,
            frame: 0,
        }
    }

    /// Items done per second so far.
    pub fn rate(&self, count: u64) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 { count as f64 / secs } else { 0.0 }
    }

    fn due(&mut self) -> bool {
        let every = if self.tty { REDRAW } else { PLAIN_EVERY };
        let now = Instant::now();
        if self.last.is_some_and(|last| now - last < every) {
            return false;
        }
        self.last = Some(now);
        true
    }

    /// `count` items done (redrawn at most every 100 ms, or every 5 s as plain lines).
    pub fn count(&mut self, count: u64) {
        if self.quiet || !self.due() {
            return;
        }
        let line = format!("{count} {} · {:.0}/s", self.what, self.rate(count));
        self.print(&line);
    }

    /// A spinner with `status` ("processing", 12 s).
    pub fn spin(&mut self, status: &str) {
        if self.quiet || !self.due() {
            return;
        }
        self.frame = (self.frame + 1) % FRAMES.len();
        let secs = self.started.elapsed().as_secs();
        let line = if self.tty {
            format!("{} {} {status} ({secs} s)", FRAMES[self.frame], self.what)
        } else {
            format!("{} {status} ({secs} s)", self.what)
        };
        self.print(&line);
    }

    /// The closing line.
    pub fn finish(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            writeln!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
    }

    fn print(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            write!(err, "\r\x1b[2K{line}").and_then(|()| err.flush())
        } else {
            writeln!(err, "{line}")
        };
    }
}
