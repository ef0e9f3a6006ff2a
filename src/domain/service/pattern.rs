//! Patterns of STRING properties. One text serves twice: as the `xs:pattern` of the service's
//! XSD, and (translated) as the Rust regular expression `values` checks with. So only the
//! common part of the two languages is accepted: constructs that mean different things (`^`,
//! `$`, `\w`), or exist in one only (`(?i)`, `\b`, lazy `*?`, backreferences, `\i`, class
//! subtraction), are refused with a message saying why.
//!
//! The translation keeps the XSD meaning where the two differ in detail: `.` excludes `\r` as
//! well as `\n`, and `\s` is exactly space, tab, CR and LF.

use regex::{Regex, RegexBuilder};

/// Longest pattern accepted, in characters.
pub const MAX_PATTERN_LEN: usize = 1000;
/// Largest count in a repetition `{n,m}`.
const MAX_REPEAT: u32 = 1000;
/// Deepest nesting of groups.
const MAX_NESTING: usize = 50;
/// Memory a compiled pattern may take.
const SIZE_LIMIT: usize = 1 << 20;

/// Unicode general categories usable in `\p{..}` / `\P{..}` (known to both languages).
const CATEGORIES: [&str; 33] = [
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Z", "Zs", "Zl", "Zp", "S", "Sm", "Sc", "Sk", "So", "Cc",
    "Cf",
];

/// The regular expression matching a whole value against `pattern`, or why the pattern is
/// refused (a message for the `pattern` field).
pub fn compile(pattern: &str) -> Result<Regex, String> {
    let rust = translate(pattern)?;
    RegexBuilder::new(&format!("^(?:{rust})$"))
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                "is too complex: make repetitions smaller or the pattern simpler".to_owned()
            }
            _ => "is not a valid regular expression".to_owned(),
        })
}

/// The Rust form of an XSD pattern of the common subset, or why it is refused.
pub fn translate(pattern: &str) -> Result<String, String> {
    if pattern.is_empty() {
        return Err("must not be empty".to_owned());
    }
    let count = pattern.chars().count();
    if count > MAX_PATTERN_LEN {
        return Err(format!(
            "must be at most {MAX_PATTERN_LEN} characters, got {count}"
        ));
    }
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
        out: String::with_capacity(pattern.len() + 16),
    };
    parser.regexp(0)?;
    match parser.peek() {
        None => Ok(parser.out),
        Some(')') => Err("has a ')' without its '(' (write \\) for the character)".to_owned()),
        Some(c) => Err(format!("unexpected '{c}'")),
    }
}

/// What an escape or a class character stands for.
enum ClassItem {
    /// One character: its value and its Rust text.
    Single(char, String),
    /// A set of characters (`\d`, `\s`, `\p{L}`): its Rust text inside `[..]` and outside.
    Multi { inside: String, outside: String },
}

impl ClassItem {
    fn multi(inside: &str, outside: &str) -> Self {
        ClassItem::Multi {
            inside: inside.to_owned(),
            outside: outside.to_owned(),
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    out: String,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += usize::from(c.is_some());
        c
    }

    /// branch ('|' branch)*
    fn regexp(&mut self, depth: usize) -> Result<(), String> {
        loop {
            while !matches!(self.peek(), None | Some('|') | Some(')')) {
                self.piece(depth)?;
            }
            if self.peek() == Some('|') {
                self.pos += 1;
                self.out.push('|');
            } else {
                return Ok(());
            }
        }
    }

    /// atom quantifier?
    fn piece(&mut self, depth: usize) -> Result<(), String> {
        self.atom(depth)?;
        if self.quantifier()? {
            match self.peek() {
                Some('?') => {
                    return Err(
                        "uses a lazy quantifier (*?, +?, ??, {n,m}?), which XSD does not have"
                            .to_owned(),
                    )
                }
                Some(c @ ('*' | '+' | '{')) => {
                    return Err(format!(
                        "has '{c}' right after another quantifier (write \\{c} for the character)"
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn atom(&mut self, depth: usize) -> Result<(), String> {
        let Some(c) = self.next() else {
            return Ok(());
        };
        match c {
            '(' => {
                if self.peek() == Some('?') {
                    return Err("uses '(?', which XSD does not have: no flags, non-capturing or named groups, lookarounds".to_owned());
                }
                if depth >= MAX_NESTING {
                    return Err(format!("nests groups more than {MAX_NESTING} deep"));
                }
                self.out.push('(');
                self.regexp(depth + 1)?;
                if self.next() != Some(')') {
                    return Err("has a '(' that is not closed".to_owned());
                }
                self.out.push(')');
            }
            '[' => self.class()?,
            '\\' => match self.escape()? {
                ClassItem::Single(_, text) => self.out.push_str(&text),
                ClassItem::Multi { outside, .. } => self.out.push_str(&outside),
            },
            '.' => self.out.push_str(r"[^\n\r]"),
            '^' | '$' => {
                let hint = if c == '^' {
                    "write \\^ for the character"
                } else {
                    "write [$] for the character"
                };
                return Err(format!(
                    "uses '{c}', an anchor in Rust but an ordinary character in XSD: patterns always match the whole value, so leave it out ({hint})"
                ));
            }
            '?' | '*' | '+' | '{' => {
                return Err(format!(
                    "has '{c}' where a character, class or group should be (write \\{c} for the character)"
                ))
            }
            ']' | '}' => {
                return Err(format!(
                    "has an unescaped '{c}' (write \\{c} for the character)"
                ))
            }
            c => self.out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
        Ok(())
    }

    /// `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`; true when one was read.
    fn quantifier(&mut self) -> Result<bool, String> {
        match self.peek() {
            Some(c @ ('?' | '*' | '+')) => {
                self.pos += 1;
                self.out.push(c);
                Ok(true)
            }
            Some('{') => {
                self.pos += 1;
                let bad = || {
                    "has a '{' that does not start a repetition {n}, {n,} or {n,m} (write \\{ for the character)".to_owned()
                };
                let min = self.number().ok_or_else(bad)?;
                let max = if self.peek() == Some(',') {
                    self.pos += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number().ok_or_else(bad)?)
                    }
                } else {
                    Some(min)
                };
                if self.next() != Some('}') {
                    return Err(bad());
                }
                if min.max(max.unwrap_or(0)) > MAX_REPEAT {
                    return Err(format!("repeats more than {MAX_REPEAT} times in a {{n,m}}"));
                }
                match max {
                    Some(max) if max < min => {
                        return Err(format!("has a repetition {{{min},{max}}} with n > m"))
                    }
                    Some(max) if max == min => self.out.push_str(&format!("{{{min}}}")),
                    Some(max) => self.out.push_str(&format!("{{{min},{max}}}")),
                    None => self.out.push_str(&format!("{{{min},}}")),
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        if digits.is_empty() {
            return None;
        }
        // Very long numbers are over the limit anyway.
        Some(digits.parse().unwrap_or(u32::MAX))
    }

    /// After `\`: a single-character escape, or a class escape (`\d`, `\s`, `\p{L}`).
    fn escape(&mut self) -> Result<ClassItem, String> {
        let Some(c) = self.next() else {
            return Err("ends with a lone \\".to_owned());
        };
        let single = |value: char| Ok(ClassItem::Single(value, format!("\\{c}")));
        match c {
            'n' => single('\n'),
            'r' => single('\r'),
            't' => single('\t'),
            '\\' | '|' | '.' | '-' | '^' | '?' | '*' | '+' | '{' | '}' | '(' | ')' | '[' | ']' => {
                single(c)
            }
            'd' | 'D' => {
                let text = format!("\\{c}");
                Ok(ClassItem::multi(&text, &text))
            }
            's' => Ok(ClassItem::multi(r"\t\n\r ", r"[\t\n\r ]")),
            'S' => Ok(ClassItem::multi(r"[^\t\n\r ]", r"[^\t\n\r ]")),
            'p' | 'P' => {
                let name = self.category_name(c)?;
                if CATEGORIES.contains(&name.as_str()) {
                    let text = format!("\\{c}{{{name}}}");
                    Ok(ClassItem::multi(&text, &text))
                } else {
                    Err(format!("uses \\{c}{{{name}}}: only Unicode general categories are supported, like \\p{{L}} (letters), \\p{{Lu}}, \\p{{Nd}} (digits)"))
                }
            }
            'w' | 'W' => Err(format!(
                "uses \\{c}, which means different characters in XSD and Rust: write a class such as [A-Za-z0-9_]"
            )),
            'b' | 'B' | 'A' | 'z' | 'Z' => Err(format!(
                "uses \\{c}, an anchor XSD does not have: patterns always match the whole value"
            )),
            '1'..='9' => Err(format!(
                "uses the backreference \\{c}, which XSD does not have"
            )),
            'i' | 'I' | 'c' | 'C' => Err(format!(
                "uses \\{c} (XML name characters), which Rust does not have: write a class such as [A-Za-z_]"
            )),
            '$' => Err("uses \\$, which XSD does not have: write [$] for the character".to_owned()),
            c => Err(format!(
                "uses \\{c}, not an escape of XSD: use \\n \\r \\t \\d \\D \\s \\S \\p{{..}} \\P{{..}}, or \\ before one of \\ | . - ^ ? * + {{ }} ( ) [ ]"
            )),
        }
    }

    /// The `{Name}` after `\p` or `\P`.
    fn category_name(&mut self, p: char) -> Result<String, String> {
        if self.next() != Some('{') {
            return Err(format!("uses \\{p} without {{..}}: write \\{p}{{L}}"));
        }
        let mut name = String::new();
        loop {
            match self.next() {
                Some('}') => return Ok(name),
                Some(c) if c.is_ascii_alphanumeric() || c == '-' => name.push(c),
                _ => return Err(format!("has a \\{p}{{ that is not closed by }}")),
            }
        }
    }

    /// After `[`: `^`? items `]`.
    fn class(&mut self) -> Result<(), String> {
        self.out.push('[');
        if self.peek() == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut items = 0usize;
        loop {
            let Some(c) = self.peek() else {
                return Err("has a '[' that is not closed by ']'".to_owned());
            };
            match c {
                ']' if items == 0 => {
                    return Err("has an empty character class [] (write \\] for the character)".to_owned())
                }
                ']' => {
                    self.pos += 1;
                    self.out.push(']');
                    return Ok(());
                }
                '[' => return Err("has '[' inside a character class (write \\[ for the character; class subtraction [a-z-[aeiou]] is not supported)".to_owned()),
                '-' if items == 0 || self.peek_at(1) == Some(']') => {
                    self.pos += 1;
                    self.out.push_str(r"\-");
                }
                '-' if self.peek_at(1) == Some('[') => {
                    return Err("uses class subtraction [a-z-[aeiou]], which Rust does not have".to_owned())
                }
                '-' => return Err("has a '-' inside [..] that is not first, last or between the two ends of a range (write \\- for the character)".to_owned()),
                _ => self.class_item()?,
            }
            items += 1;
        }
    }

    /// A character, escape or range inside `[..]`.
    fn class_item(&mut self) -> Result<(), String> {
        let first = self.class_char()?;
        let is_range = self.peek() == Some('-') && !matches!(self.peek_at(1), Some(']' | '['));
        match first {
            ClassItem::Multi { .. } if is_range => {
                Err("has a range that starts with a class escape like \\d or \\s".to_owned())
            }
            ClassItem::Multi { inside, .. } => {
                self.out.push_str(&inside);
                Ok(())
            }
            ClassItem::Single(_, text) if !is_range => {
                self.out.push_str(&text);
                Ok(())
            }
            ClassItem::Single(low, low_text) => {
                self.pos += 1; // '-'
                if self.peek() == Some('-') {
                    return Err(
                        "has a range ending in '-' (write \\- for the character)".to_owned()
                    );
                }
                let ClassItem::Single(high, high_text) = self.class_char()? else {
                    return Err(
                        "has a range that ends with a class escape like \\d or \\s".to_owned()
                    );
                };
                if high < low {
                    return Err(format!(
                        "has the range {low}-{high}, whose ends are in the wrong order"
                    ));
                }
                self.out.push_str(&format!("{low_text}-{high_text}"));
                Ok(())
            }
        }
    }

    fn class_char(&mut self) -> Result<ClassItem, String> {
        match self.next() {
            Some('\\') => self.escape(),
            Some('[') => {
                Err("has '[' inside a character class (write \\[ for the character)".to_owned())
            }
            Some(']') | None => Err("has a '[' that is not closed by ']'".to_owned()),
            Some(c) => Ok(ClassItem::Single(
                c,
                regex::escape(c.encode_utf8(&mut [0; 4])),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(pattern: &str) -> String {
        translate(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    fn matches(pattern: &str, value: &str) -> bool {
        compile(pattern).expect("valid").is_match(value)
    }

    #[test]
    fn translates_the_common_subset() {
        assert_eq!(rust("[A-Z]{2}[0-9]{3,}"), "[A-Z]{2}[0-9]{3,}");
        assert_eq!(rust("a.b"), r"a[^\n\r]b");
        assert_eq!(rust(r"\s\S"), r"[\t\n\r ][^\t\n\r ]");
        assert_eq!(rust(r"[\s,]"), r"[\t\n\r ,]");
        assert_eq!(rust(r"[^\S]"), r"[^[^\t\n\r ]]");
        assert_eq!(rust("[-a&&b~~]"), r"[\-a\&\&b\~\~]");
        assert_eq!(rust("a{2,2}"), "a{2}");
        assert_eq!(
            rust(r"(ab|c)?\p{Lu}\P{Nd}\d\.\-\^"),
            r"(ab|c)?\p{Lu}\P{Nd}\d\.\-\^"
        );
        assert_eq!(rust("[a^-]"), r"[a\^\-]");
        assert_eq!(rust("#&~ -"), r"\#\&\~ \-");
    }

    #[test]
    fn matches_whole_values_with_xsd_meaning() {
        assert!(matches("[0-9]+", "123"));
        assert!(!matches("[0-9]+", "12a"));
        assert!(!matches("[0-9]+", "a12"));
        assert!(matches("a|bc", "bc"));
        assert!(!matches("a|bc", "abc"));
        assert!(!matches("a.c", "a\rc"));
        assert!(!matches(r"a\sc", "a\u{a0}c"));
        assert!(matches(r"a\sc", "a\tc"));
        assert!(matches("[&&]+", "&&"));
        assert!(matches("x{0,2}", ""));
    }

    #[test]
    fn refuses_what_differs_between_xsd_and_rust() {
        let refused = |p: &str| translate(p).expect_err(p);
        assert_eq!(refused(""), "must not be empty");
        assert_eq!(
            refused("^[0-9]+$"),
            "uses '^', an anchor in Rust but an ordinary character in XSD: patterns always match the whole value, so leave it out (write \\^ for the character)"
        );
        assert_eq!(
            refused("[0-9]+$"),
            "uses '$', an anchor in Rust but an ordinary character in XSD: patterns always match the whole value, so leave it out (write [$] for the character)"
        );
        assert_eq!(
            refused("(?i)abc"),
            "uses '(?', which XSD does not have: no flags, non-capturing or named groups, lookarounds"
        );
        assert_eq!(
            refused(r"\bword"),
            "uses \\b, an anchor XSD does not have: patterns always match the whole value"
        );
        for anchor in [r"\B", r"\A", r"\z", r"\Z"] {
            assert!(
                refused(anchor).contains("an anchor XSD does not have"),
                "{anchor}"
            );
        }
        for lazy in ["a*?", "a+?", "a??", "a{1,2}?"] {
            assert_eq!(
                refused(lazy),
                "uses a lazy quantifier (*?, +?, ??, {n,m}?), which XSD does not have"
            );
        }
        assert_eq!(
            refused(r"(a)\1"),
            "uses the backreference \\1, which XSD does not have"
        );
        assert_eq!(
            refused(r"\w+"),
            "uses \\w, which means different characters in XSD and Rust: write a class such as [A-Za-z0-9_]"
        );
        assert!(refused(r"\i\c*").starts_with("uses \\i (XML name characters)"));
        assert_eq!(
            refused(r"\$"),
            "uses \\$, which XSD does not have: write [$] for the character"
        );
        assert!(refused(r"\x41").starts_with("uses \\x, not an escape of XSD"));
        assert!(
            refused(r"\p{Greek}").starts_with("uses \\p{Greek}: only Unicode general categories")
        );
        assert_eq!(
            refused("[a-z-[aeiou]]"),
            "uses class subtraction [a-z-[aeiou]], which Rust does not have"
        );
        assert!(refused("[[:alpha:]]").starts_with("has '[' inside a character class"));
        assert!(refused("[a-c-e]").starts_with("has a '-' inside [..]"));
        assert_eq!(
            refused("[z-a]"),
            "has the range z-a, whose ends are in the wrong order"
        );
        assert!(refused("[]").starts_with("has an empty character class"));
        assert_eq!(refused("[abc"), "has a '[' that is not closed by ']'");
        assert_eq!(refused("(abc"), "has a '(' that is not closed");
        assert!(refused("abc)").starts_with("has a ')' without its '('"));
        assert!(refused("*a").starts_with("has '*' where a character"));
        assert!(refused("a**").starts_with("has '*' right after another quantifier"));
        assert!(refused("a{,3}").starts_with("has a '{' that does not start a repetition"));
        assert!(refused("a{x}").starts_with("has a '{' that does not start a repetition"));
        assert_eq!(refused("a{3,2}"), "has a repetition {3,2} with n > m");
        assert_eq!(
            refused("a{1001}"),
            "repeats more than 1000 times in a {n,m}"
        );
        assert!(refused("a}").starts_with("has an unescaped '}'"));
        assert!(refused("a]").starts_with("has an unescaped ']'"));
        assert_eq!(refused("a\\"), "ends with a lone \\");
        assert_eq!(
            refused(&"a".repeat(1001)),
            "must be at most 1000 characters, got 1001"
        );
        assert_eq!(
            compile("(((a{1000}){1000}){1000})").unwrap_err(),
            "is too complex: make repetitions smaller or the pattern simpler"
        );
    }
}
