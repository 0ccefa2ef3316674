//! The machinery behind parameter tables: a neutral value type, the per-field
//! specification, and the `param_table!` macro that turns one declarative list into
//! a documented struct, its `Default`, a checked setter and the reference metadata.
//!
//! Nothing here knows TOML: the scenario loader converts TOML values into
//! [`RawValue`] and calls [`ParamTable::set`].

use std::fmt;

/// A scalar value as written in a scenario file, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal.
    Str(String),
}

impl RawValue {
    /// The TOML type name of this value, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            RawValue::Bool(_) => "a boolean",
            RawValue::Int(_) => "an integer",
            RawValue::Float(_) => "a float",
            RawValue::Str(_) => "a string",
        }
    }
}

impl fmt::Display for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Bool(b) => write!(f, "{b}"),
            RawValue::Int(i) => write!(f, "{i}"),
            RawValue::Float(x) => {
                if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
            RawValue::Str(s) => write!(f, "{}", toml_string(s)),
        }
    }
}

/// A string as a TOML basic string: quoted, with `\\`, `"` and control characters
/// escaped as TOML allows (every other character, any Unicode included, as it is), so a
/// resolved scenario re-reads to the same value.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Why a value could not be set.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldError {
    /// The key is not a parameter of this table.
    UnknownKey {
        /// Every key the table accepts.
        allowed: Vec<&'static str>,
    },
    /// The value has the wrong type.
    WrongType {
        /// What the parameter accepts.
        expected: &'static str,
        /// What was written.
        found: &'static str,
    },
    /// The value is outside the allowed range (NaN and infinities included).
    OutOfRange {
        /// The value as written.
        value: String,
        /// The allowed range, as text.
        allowed: String,
    },
    /// A string that is not one of the allowed choices.
    BadChoice {
        /// The value as written.
        value: String,
        /// The allowed choices.
        allowed: &'static [&'static str],
    },
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldError::UnknownKey { allowed } => {
                write!(f, "unknown key; allowed keys: {}", allowed.join(", "))
            }
            FieldError::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            FieldError::OutOfRange { value, allowed } => {
                write!(f, "value {value} is out of range; allowed: {allowed}")
            }
            FieldError::BadChoice { value, allowed } => {
                let quoted: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
                write!(f, "\"{value}\" is not allowed; allowed: {}", quoted.join(" | "))
            }
        }
    }
}

/// A type that a parameter can have.
pub trait ParamValue: Sized + Clone {
    /// Human-readable type, e.g. "a number".
    const EXPECTED: &'static str;
    /// Convert from a raw value (type check only).
    fn from_raw(raw: &RawValue) -> Result<Self, FieldError>;
    /// Convert back, for the resolved scenario and the reference.
    fn to_raw(&self) -> RawValue;
    /// Numeric view for range checks; `None` for non-numeric types.
    fn as_f64(&self) -> Option<f64>;
}

impl ParamValue for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_raw(raw: &RawValue) -> Result<Self, FieldError> {
        match raw {
            RawValue::Float(x) => Ok(*x),
            RawValue::Int(i) => Ok(*i as f64),
            other => Err(wrong::<Self>(other)),
        }
    }
    fn to_raw(&self) -> RawValue {
        RawValue::Float(*self)
    }
    fn as_f64(&self) -> Option<f64> {
        Some(*self)
    }
}

fn wrong<T: ParamValue>(found: &RawValue) -> FieldError {
    FieldError::WrongType { expected: T::EXPECTED, found: found.type_name() }
}

fn int_from_raw(raw: &RawValue, expected: &'static str, max: i64) -> Result<i64, FieldError> {
    match raw {
        RawValue::Int(i) if *i >= 0 && *i <= max => Ok(*i),
        RawValue::Int(i) => {
            Err(FieldError::OutOfRange { value: i.to_string(), allowed: format!("a whole number from 0 to {max}") })
        }
        other => Err(FieldError::WrongType { expected, found: other.type_name() }),
    }
}

impl ParamValue for u32 {
    const EXPECTED: &'static str = "a whole number";
    fn from_raw(raw: &RawValue) -> Result<Self, FieldError> {
        int_from_raw(raw, Self::EXPECTED, u32::MAX as i64).map(|i| i as u32)
    }
    fn to_raw(&self) -> RawValue {
        RawValue::Int(*self as i64)
    }
    fn as_f64(&self) -> Option<f64> {
        Some(*self as f64)
    }
}

impl ParamValue for u64 {
    const EXPECTED: &'static str = "a whole number";
    fn from_raw(raw: &RawValue) -> Result<Self, FieldError> {
        int_from_raw(raw, Self::EXPECTED, i64::MAX).map(|i| i as u64)
    }
    fn to_raw(&self) -> RawValue {
        RawValue::Int(*self as i64)
    }
    fn as_f64(&self) -> Option<f64> {
        Some(*self as f64)
    }
}

impl ParamValue for bool {
    const EXPECTED: &'static str = "true or false";
    fn from_raw(raw: &RawValue) -> Result<Self, FieldError> {
        match raw {
            RawValue::Bool(b) => Ok(*b),
            other => Err(wrong::<Self>(other)),
        }
    }
    fn to_raw(&self) -> RawValue {
        RawValue::Bool(*self)
    }
    fn as_f64(&self) -> Option<f64> {
        None
    }
}

impl ParamValue for String {
    const EXPECTED: &'static str = "a string";
    fn from_raw(raw: &RawValue) -> Result<Self, FieldError> {
        match raw {
            RawValue::Str(s) => Ok(s.clone()),
            other => Err(wrong::<Self>(other)),
        }
    }
    fn to_raw(&self) -> RawValue {
        RawValue::Str(self.clone())
    }
    fn as_f64(&self) -> Option<f64> {
        None
    }
}

/// Defines a string-valued enum parameter type with its allowed spellings.
macro_rules! choice_enum {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[doc = $vdoc])* $variant),+
        }
        impl $name {
            /// Every allowed spelling, in declaration order.
            pub const CHOICES: &'static [&'static str] = &[$($text),+];
            /// The spelling used in scenario files and outputs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl $crate::params::spec::ParamValue for $name {
            const EXPECTED: &'static str = "a string";
            fn from_raw(raw: &$crate::params::spec::RawValue) -> Result<Self, $crate::params::spec::FieldError> {
                match raw {
                    $($crate::params::spec::RawValue::Str(s) if s == $text => Ok($name::$variant),)+
                    $crate::params::spec::RawValue::Str(s) => Err($crate::params::spec::FieldError::BadChoice {
                        value: s.clone(),
                        allowed: Self::CHOICES,
                    }),
                    other => Err($crate::params::spec::FieldError::WrongType {
                        expected: Self::EXPECTED,
                        found: other.type_name(),
                    }),
                }
            }
            fn to_raw(&self) -> $crate::params::spec::RawValue {
                $crate::params::spec::RawValue::Str(self.as_str().to_string())
            }
            fn as_f64(&self) -> Option<f64> { None }
        }
        impl $crate::params::spec::Choices for $name {
            const LIST: &'static [&'static str] = Self::CHOICES;
        }
    };
}
pub(crate) use choice_enum;

/// The reference entry of one parameter: everything a user needs to set it.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    /// Key as written in the scenario file.
    pub key: &'static str,
    /// What the value must be.
    pub expected: &'static str,
    /// Default value, as it would be written in TOML.
    pub default: RawValue,
    /// Unit of the value.
    pub unit: &'static str,
    /// Rule(s) of docs/ODD.md §7 that use it.
    pub rule: &'static str,
    /// Allowed range (inclusive), for numeric parameters.
    pub range: Option<(f64, f64)>,
    /// Allowed spellings, for choice parameters.
    pub choices: &'static [&'static str],
    /// Meaning and source.
    pub doc: String,
    /// Why the key cannot change mid-run (in a `[[change]]`), if it cannot: it is read only
    /// when the world is built.
    pub fixed: Option<&'static str>,
}

/// A table of parameters with a documented default for every key.
pub trait ParamTable: Default {
    /// The TOML table name (`policy`, `behaviour`, ...).
    const TABLE: &'static str;
    /// The reference metadata of every key, in declaration order.
    fn specs() -> Vec<ParamSpec>;
    /// Set one key from a raw value, with type and range checks.
    fn set(&mut self, key: &str, value: &RawValue) -> Result<(), FieldError>;
    /// Every key with its current value, in declaration order.
    fn entries(&self) -> Vec<(&'static str, RawValue)>;
}

/// Range check shared by every numeric field.
pub fn check_range(value: f64, lo: f64, hi: f64) -> Result<(), FieldError> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(FieldError::OutOfRange {
            value: if value.is_nan() { "NaN".into() } else { value.to_string() },
            allowed: format!("{lo} to {hi}"),
        })
    }
}

/// Optional choice list of a type (empty when it is not an enum).
pub trait Choices {
    /// Allowed spellings.
    const LIST: &'static [&'static str] = &[];
}
impl Choices for f64 {}
impl Choices for u32 {}
impl Choices for u64 {}
impl Choices for bool {}
impl Choices for String {}

/// Declares a parameter table. Each field reads
/// `name: Type = default, "unit", "rule" [, [lo, hi]] [fixed "why"];` preceded by its doc
/// comment; `fixed "why"` marks a key read only when the world is built, which a
/// `[[change]]` may not set (and says why, completing "it ...").
macro_rules! param_table {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident = $table:literal {
            $(
                $(#[doc = $doc:literal])+
                $field:ident : $ty:ty = $default:expr, $unit:literal, $rule:literal $(, [$lo:expr, $hi:expr])? $(fixed $why:literal)? ;
            )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(
                $(#[doc = $doc])+
                #[doc = concat!("\n\nUnit: ", $unit, ". Rule: ", $rule, ".")]
                pub $field: $ty,
            )*
        }
        impl Default for $name {
            fn default() -> Self {
                Self { $($field: $default),* }
            }
        }
        impl $crate::params::spec::ParamTable for $name {
            const TABLE: &'static str = $table;
            fn specs() -> Vec<$crate::params::spec::ParamSpec> {
                let d = Self::default();
                vec![$(
                    $crate::params::spec::ParamSpec {
                        key: stringify!($field),
                        expected: <$ty as $crate::params::spec::ParamValue>::EXPECTED,
                        default: $crate::params::spec::ParamValue::to_raw(&d.$field),
                        unit: $unit,
                        rule: $rule,
                        range: None $(.or(Some(($lo as f64, $hi as f64))))?,
                        choices: <$ty as $crate::params::spec::Choices>::LIST,
                        doc: [$($doc.trim()),+].join(" "),
                        fixed: None $(.or(Some($why)))?,
                    }
                ),*]
            }
            fn set(&mut self, key: &str, value: &$crate::params::spec::RawValue)
                -> Result<(), $crate::params::spec::FieldError> {
                match key {
                    $(stringify!($field) => {
                        // A value outside the type (e.g. a negative whole number) is
                        // reported with the key's declared range, as the reference shows it.
                        let declared: Option<(f64, f64)> = None $(.or(Some(($lo as f64, $hi as f64))))?;
                        let v = <$ty as $crate::params::spec::ParamValue>::from_raw(value).map_err(|e| {
                            match (e, declared) {
                                ($crate::params::spec::FieldError::OutOfRange { value, .. }, Some((lo, hi))) => {
                                    $crate::params::spec::FieldError::OutOfRange { value, allowed: format!("{lo} to {hi}") }
                                }
                                (e, _) => e,
                            }
                        })?;
                        $(
                            if let Some(x) = $crate::params::spec::ParamValue::as_f64(&v) {
                                $crate::params::spec::check_range(x, $lo as f64, $hi as f64)?;
                            }
                        )?
                        self.$field = v;
                        Ok(())
                    })*
                    _ => Err($crate::params::spec::FieldError::UnknownKey {
                        allowed: vec![$(stringify!($field)),*],
                    }),
                }
            }
            fn entries(&self) -> Vec<(&'static str, $crate::params::spec::RawValue)> {
                vec![$((stringify!($field), $crate::params::spec::ParamValue::to_raw(&self.$field))),*]
            }
        }
    };
}
pub(crate) use param_table;
