//! A small RFC 4180 writer: fields with a comma, quote or line break are quoted with
//! inner quotes doubled; rows end with CRLF, like Python's `csv` module writes them.

use std::fmt::{Display, Write as _};

#[derive(Debug, Default)]
pub struct CsvWriter {
    out: String,
    row_started: bool,
}

impl CsvWriter {
    /// A writer whose first row is `header`, column names joined by commas.
    pub fn with_header(header: &str) -> Self {
        let mut out = String::with_capacity(64 * 1024);
        out.push_str(header);
        out.push_str("\r\n");
        Self {
            out,
            row_started: false,
        }
    }

    fn separate(&mut self) {
        if self.row_started {
            self.out.push(',');
        }
        self.row_started = true;
    }

    pub fn text(&mut self, value: &str) -> &mut Self {
        self.separate();
        if value.contains([',', '"', '\n', '\r']) {
            self.out.push('"');
            for ch in value.chars() {
                if ch == '"' {
                    self.out.push('"');
                }
                self.out.push(ch);
            }
            self.out.push('"');
        } else {
            self.out.push_str(value);
        }
        self
    }

    /// A value whose text never needs quoting (numbers, dates, booleans).
    pub fn plain(&mut self, value: impl Display) -> &mut Self {
        self.separate();
        let _ = write!(self.out, "{value}");
        self
    }

    /// A value or an empty field.
    pub fn opt(&mut self, value: Option<impl Display>) -> &mut Self {
        match value {
            Some(v) => self.plain(v),
            None => self.text(""),
        }
    }

    pub fn end_row(&mut self) {
        self.out.push_str("\r\n");
        self.row_started = false;
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_fields_that_need_it() {
        let mut w = CsvWriter::with_header("a,b");
        w.text("plain").text("say \"hi\", then\nleave").end_row();
        w.plain(1.5).opt(None::<i64>).end_row();
        assert_eq!(
            w.finish(),
            "a,b\r\nplain,\"say \"\"hi\"\", then\nleave\"\r\n1.5,\r\n"
        );
    }
}
