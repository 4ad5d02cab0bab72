//! `#[guard]`: the panic net of the asmd Python bindings.
//!
//! Put above `#[pyfunction]` or `#[pymethods]`:
//!
//! ```ignore
//! #[guard]
//! #[pyfunction]
//! fn load(py: Python<'_>, path: PathBuf) -> PyResult<...> { ... }
//!
//! #[guard]
//! #[pymethods]
//! impl PyDataset { fn __len__(&self) -> usize { ... } }
//! ```
//!
//! Every function body (every method of an `impl` block) then runs inside
//! `crate::panic_net::run`, which catches a panic (raised on this thread or resumed from
//! a rayon worker) and raises `asmd.errors.AsmdError` of kind `"internal"` instead of
//! pyo3's `PanicException` (a `BaseException` that `except Exception` misses). A function
//! returning a plain value `T` is turned into one returning `PyResult<T>`; one returning
//! `PyResult<T>` (or any `Result`) keeps its type. Signatures, attributes and bodies are
//! otherwise untouched, so pyo3 sees the same function.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, parse_quote, Block, Item, ReturnType, Signature, Type};

/// Wrap the body of a function, or of every method of an `impl` block, in the panic net
/// (see the crate documentation).
#[proc_macro_attribute]
pub fn guard(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[guard] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let mut item = parse_macro_input!(item as Item);
    match &mut item {
        Item::Fn(f) => wrap(&mut f.sig, &mut f.block),
        Item::Impl(imp) => {
            for it in &mut imp.items {
                if let syn::ImplItem::Fn(f) = it {
                    wrap(&mut f.sig, &mut f.block);
                }
            }
        }
        other => {
            return syn::Error::new_spanned(other, "#[guard] goes on a function or an impl block")
                .to_compile_error()
                .into()
        }
    }
    quote!(#item).into()
}

/// Whether `ty` is spelled as a `Result` (`PyResult<T>`, `Result<T, E>`, paths included).
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "PyResult" || s.ident == "Result"),
        _ => false,
    }
}

fn wrap(sig: &mut Signature, block: &mut Block) {
    let body = block.clone();
    match &sig.output {
        ReturnType::Type(_, ty) if is_result(ty) => {
            *block = parse_quote!({ crate::panic_net::run(|| -> #ty #body) });
        }
        ReturnType::Type(_, ty) => {
            let ty = ty.clone();
            *block = parse_quote!({ crate::panic_net::run(|| ::pyo3::PyResult::Ok((|| -> #ty #body)())) });
            sig.output = parse_quote!(-> ::pyo3::PyResult<#ty>);
        }
        ReturnType::Default => {
            *block = parse_quote!({ crate::panic_net::run(|| ::pyo3::PyResult::Ok((|| #body)())) });
            sig.output = parse_quote!(-> ::pyo3::PyResult<()>);
        }
    }
}
