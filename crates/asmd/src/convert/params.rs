//! Keyword arguments of converters (`install.conversion` entries are
//! `[name, {keyword: value}]`): typed access with errors naming the converter and the
//! keyword, and rejection of keywords a built-in converter does not take.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Keyword arguments of one converter call.
pub(crate) struct Params<'a> {
    converter: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Params<'a> {
    /// Wrap `map`; fails if it holds a keyword outside `allowed`.
    pub fn new(converter: &'a str, map: &'a Map<String, Value>, allowed: &[&str]) -> Result<Self> {
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(Error::argument(format!(
                "converter `{converter}` has no parameter `{k}` (it takes: {})",
                allowed.join(", ")
            )));
        }
        Ok(Params { converter, map })
    }

    fn bad(&self, key: &str, expected: &str, v: &Value) -> Error {
        Error::argument(format!(
            "converter `{}`: parameter `{key}` must be {expected}, got {v}",
            self.converter
        ))
    }

    /// A boolean (Python truthiness for numbers and null, as the reference's `if x:`).
    pub fn bool(&self, key: &str, default: bool) -> Result<bool> {
        match self.map.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Null) => Ok(false),
            Some(Value::Number(n)) => Ok(n.as_f64().is_some_and(|x| x != 0.0)),
            Some(v) => Err(self.bad(key, "true or false", v)),
        }
    }

    /// A number.
    pub fn f64(&self, key: &str, default: f64) -> Result<f64> {
        match self.map.get(key) {
            None => Ok(default),
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| self.bad(key, "a number", &Value::Null)),
            Some(v) => Err(self.bad(key, "a number", v)),
        }
    }

    /// A string, or `None` for JSON `null`/`false`.
    pub fn opt_str(&self, key: &str, default: &str) -> Result<Option<String>> {
        match self.map.get(key) {
            None => Ok(Some(default.to_string())),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
            Some(v) => Err(self.bad(key, "a string or null", v)),
        }
    }

    /// A list of non-negative integers, or `None` when absent.
    pub fn indices(&self, key: &str) -> Result<Option<Vec<usize>>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_u64()
                        .map(|x| x as usize)
                        .ok_or_else(|| self.bad(key, "a list of non-negative integers", v))
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(v) => Err(self.bad(key, "a list of non-negative integers", v)),
        }
    }
}
