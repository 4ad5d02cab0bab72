//! Licence, homepage and citation of a dataset: the optional `about` object of a
//! definition, like a Hugging Face dataset card's header or mirdata's `cite()`.
//!
//! ```json
//! "about": {
//!     "license": "CC-BY-NC-SA-4.0",          // SPDX id, or null when none is stated
//!     "license_url": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
//!     "license_note": "free text",
//!     "commercial_use": false,                // null when unknown
//!     "homepage": "https://...",
//!     "bibtex": "@inproceedings{...}",
//!     "sources": ["where these facts were read"]
//! }
//! ```
//! Every key is optional; a key of the wrong type is an error naming the definition and
//! the key (`$.about.license`). The official definitions carry the facts researched from
//! each dataset's own pages (their `sources`); where no licence could be found,
//! `license` is null and [`About::license_label`] says `unknown (see homepage)`.
//!
//! ```
//! let defs = asmd::definition::official().unwrap();
//! let maestro = defs.iter().find(|d| d.name == "Maestro").unwrap();
//! let about = maestro.about().unwrap().unwrap();
//! assert_eq!(about.license.as_deref(), Some("CC-BY-NC-SA-4.0"));
//! assert_eq!(about.license_label(), "CC-BY-NC-SA-4.0 (non-commercial use only)");
//! assert!(asmd::definition::about::cite(&[maestro]).starts_with(asmd::definition::about::ASMD_BIBTEX));
//! ```

use serde_json::{Map, Value};

use super::Definition;
use crate::error::{Error, Result};

/// The citation of ASMD itself (Simonetta, Ntalampiras, Avanzini, SMC 2020), printed
/// first by [`cite`].
pub const ASMD_BIBTEX: &str = "@inproceedings{simonetta2020asmd,
  author    = {Simonetta, Federico and Ntalampiras, Stavros and Avanzini, Federico},
  title     = {{ASMD}: an automatic framework for compiling multimodal datasets with audio and scores},
  booktitle = {Proceedings of the 17th Sound and Music Computing Conference (SMC)},
  address   = {Torino, Italy},
  year      = {2020},
  eprint    = {2003.01958},
  archivePrefix = {arXiv},
  url       = {https://arxiv.org/abs/2003.01958}
}";

/// The `about` object of a definition (see the module docs).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct About {
    /// SPDX licence identifier; `None` when no licence is stated.
    pub license: Option<String>,
    /// The licence text's address.
    pub license_url: Option<String>,
    /// Details (what the licence covers, what is unknown).
    pub license_note: Option<String>,
    /// Whether commercial use is allowed; `None` when unknown.
    pub commercial_use: Option<bool>,
    /// The dataset's home page.
    pub homepage: Option<String>,
    /// BibTeX entries to cite when using the dataset.
    pub bibtex: Option<String>,
    /// Where these facts come from.
    pub sources: Vec<String>,
}

impl About {
    /// The licence in one phrase: `"CC-BY-4.0"`, `"CC-BY-NC-SA-4.0 (non-commercial use
    /// only)"`, or `"unknown (see homepage)"` when none is stated.
    pub fn license_label(&self) -> String {
        let base = match &self.license {
            Some(l) => l.clone(),
            None => return "unknown (see homepage)".to_string(),
        };
        match self.commercial_use {
            Some(false) => format!("{base} (non-commercial use only)"),
            _ => base,
        }
    }

    fn parse(v: &Value, origin: &std::path::Path) -> Result<About> {
        let bad = |key: &str, what: &str| {
            Error::format(origin, format!("$.about.{key}"), format!("expected {what}"))
        };
        let o: &Map<String, Value> = v
            .as_object()
            .ok_or_else(|| Error::format(origin, "$.about", "expected an object"))?;
        let text = |key: &str| -> Result<Option<String>> {
            match o.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(key, "a string or null")),
            }
        };
        let commercial_use = match o.get("commercial_use") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(bad("commercial_use", "true, false or null")),
        };
        let sources = match o.get("sources") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("sources", "a list of strings"))?,
            Some(_) => return Err(bad("sources", "a list of strings")),
        };
        Ok(About {
            license: text("license")?,
            license_url: text("license_url")?,
            license_note: text("license_note")?,
            commercial_use,
            homepage: text("homepage")?,
            bibtex: text("bibtex")?,
            sources,
        })
    }
}

impl Definition {
    /// The definition's `about` object (licence, homepage, citation); `None` when it has
    /// none. Validated when the definition is read, so this fails only for definitions
    /// built by hand.
    pub fn about(&self) -> Result<Option<About>> {
        self.extra
            .get("about")
            .map(|v| About::parse(v, &self.origin))
            .transpose()
    }
}

/// BibTeX to cite when using `defs`: ASMD's own paper, then each definition's entries
/// (a definition without `bibtex` adds a comment saying so).
pub fn cite(defs: &[&Definition]) -> String {
    let mut out = String::from(ASMD_BIBTEX);
    for d in defs {
        out.push_str("\n\n");
        match d.about().ok().flatten().and_then(|a| a.bibtex) {
            Some(b) => out.push_str(b.trim_end()),
            None => out.push_str(&format!(
                "% {}: its definition gives no citation (see its homepage)",
                d.name
            )),
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(about: &str) -> Result<Definition> {
        Definition::from_json_str(
            &format!(r#"{{"name": "x", "songs": [], "about": {about}}}"#),
            "x.json",
        )
    }

    #[test]
    fn about_is_validated_with_the_key_named() {
        let e = def(r#"{"license": 3}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.json: $.about.license: expected a string or null"
        );
        let e = def(r#"{"commercial_use": "no"}"#).unwrap_err();
        assert!(e.to_string().contains("$.about.commercial_use"), "{e}");
        let e = def(r#"{"sources": [1]}"#).unwrap_err();
        assert!(e.to_string().contains("$.about.sources"), "{e}");
        assert!(def("[]").is_err());
        let d = def(r#"{"license": null, "homepage": "https://h"}"#).unwrap();
        let a = d.about().unwrap().unwrap();
        assert_eq!(a.license_label(), "unknown (see homepage)");
        assert_eq!(a.homepage.as_deref(), Some("https://h"));
        // kept through to_json (a definition written back keeps it)
        assert_eq!(d.to_json()["about"]["homepage"], "https://h");
    }

    #[test]
    fn every_official_definition_has_a_homepage_and_a_citation() {
        for d in crate::definition::official().unwrap().iter() {
            let a = d.about().unwrap().unwrap_or_else(|| panic!("{}", d.name));
            assert!(a.homepage.is_some() && a.bibtex.is_some(), "{}", d.name);
            assert!(!a.sources.is_empty(), "{}", d.name);
        }
    }
}
