//! RFC 4180 CSV, by hand (the gateway reads Dialpad's stats files and writes report and
//! export rows; neither needs more): quoted fields with doubled quotes, CRLF or LF line
//! ends, a field quoted when it holds a comma, quote or line break.

use std::io::{self, Write};

/// Every record of `input`, fields unquoted. A trailing line end makes no empty record.
pub fn parse(input: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(input);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                any = false;
            }
            other => field.push(other),
        }
    }
    if any {
        record.push(field);
        records.push(record);
    }
    records
}

/// Writes `fields` as one CSV record ending in CRLF.
pub fn write_record<W: Write, S: AsRef<str>>(
    out: &mut W,
    fields: impl IntoIterator<Item = S>,
) -> io::Result<()> {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_field(out, field.as_ref())?;
    }
    out.write_all(b"\r\n")
}

fn write_field<W: Write>(out: &mut W, field: &str) -> io::Result<()> {
    if !field.contains([',', '"', '\r', '\n']) {
        return out.write_all(field.as_bytes());
    }
    out.write_all(b"\"")?;
    out.write_all(field.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn round_trips_quotes_commas_and_line_breaks() {
        let rows = vec![
            vec!["a".to_owned(), "b,c".to_owned(), "say \"hi\"".to_owned()],
            vec!["line\nbreak".to_owned(), String::new(), "x".to_owned()],
        ];
        let mut out = Vec::new();
        for row in &rows {
            write_record(&mut out, row).unwrap();
        }
        assert_eq!(parse(&out), rows);
        assert_eq!(parse(b"a,b\nc,d"), vec![vec!["a", "b"], vec!["c", "d"]]);
        assert!(parse(b"").is_empty());
    }
}
