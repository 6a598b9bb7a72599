//! Parsing: the attribute's options and the item it is on.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Item, ItemFn, LitStr, Path, Token};

use crate::errors::Errors;

/// The options of `#[handler(...)]`.
#[derive(Default)]
pub struct Args {
    /// `init = make_state`: the function that builds the state, run once before the first event.
    pub init: Option<syn::ExprPath>,
    /// `init` is written, even if its value is malformed: the function is then checked as one
    /// with a state.
    pub init_written: bool,
    /// `crate = "path"`: where the `ruchy-lambda` crate is, when it is renamed.
    pub krate: Option<Path>,
    /// `before_snapshot = f`, `after_restore = f`, `shutdown = f`: the lifecycle hooks.
    pub hooks: Hooks,
}

/// The lifecycle hooks, each the path of a function.
#[derive(Default)]
pub struct Hooks {
    /// Run under SnapStart before the snapshot.
    pub before_snapshot: Option<syn::ExprPath>,
    /// Run under SnapStart after the restore.
    pub after_restore: Option<syn::ExprPath>,
    /// Run when the execution environment shuts down.
    pub shutdown: Option<syn::ExprPath>,
}

impl Hooks {
    /// Whether any hook is given.
    pub fn any(&self) -> bool {
        self.before_snapshot.is_some() || self.after_restore.is_some() || self.shutdown.is_some()
    }
}

/// The options `#[handler]` takes, as listed in error messages.
const VALID_KEYS: &str = "`init = make_state`, `before_snapshot = hook`, `after_restore = hook`, `shutdown = hook` and `crate = \"ruchy_lambda\"`";

/// The hook options.
const HOOKS: [&str; 3] = ["before_snapshot", "after_restore", "shutdown"];

/// One `key = value` option, before its value is interpreted.
struct RawArg {
    key: Ident,
    /// The `=` and the value tokens, unless the key stands alone.
    value: Option<(Token![=], TokenStream)>,
}

/// Parses the attribute's options: `init = path`, `crate = "path"`, in any order, each at most
/// once. Every problem is reported, not only the first.
#[cfg(test)]
pub fn args(tokens: TokenStream) -> syn::Result<Args> {
    let mut errors = Errors::default();
    let args = args_recovering(tokens, &mut errors);
    errors.finish(args.unwrap_or_default())
}

/// Parses the attribute's options, recording each problem in `errors` and keeping the options
/// that are fine, so the function can be checked too. `None` when the options cannot even be
/// told apart (e.g. `init(a)`): then nothing is known about them.
pub fn args_recovering(tokens: TokenStream, errors: &mut Errors) -> Option<Args> {
    let raw = errors.take(split_args.parse2(tokens))?;
    let mut args = Args::default();
    let mut crate_written = false;
    let mut hooks_written = [false; 3];
    for RawArg { key, value } in raw {
        let name = key.unraw().to_string();
        let hook = HOOKS.iter().position(|h| *h == name);
        let written = match (name.as_str(), hook) {
            ("init", _) => &mut args.init_written,
            ("crate", _) => &mut crate_written,
            (_, Some(i)) => &mut hooks_written[i],
            _ => {
                errors.at(
                    &key,
                    format_args!("unknown option `{key}`: the options are {VALID_KEYS}"),
                );
                continue;
            }
        };
        if std::mem::replace(written, true) {
            errors.at(
                &key,
                format_args!("`{name}` is given twice: keep one; the options are {VALID_KEYS}"),
            );
            continue;
        }
        let Some((eq, value)) = value else {
            let example = match hook {
                _ if name == "init" => "init = make_state".to_owned(),
                Some(_) => format!("{name} = my_hook"),
                None => "crate = \"ruchy_lambda\"".to_owned(),
            };
            errors.at(&key, format_args!("`{name}` needs a value: `{example}`"));
            continue;
        };
        if value.is_empty() {
            errors.at(
                quote::quote!(#key #eq),
                format_args!("`{name} =` needs a value after the `=`"),
            );
        } else if name == "init" {
            args.init = errors.take(init_path(value));
        } else if let Some(i) = hook {
            let path = errors.take(hook_path(&name, value));
            let slot = match i {
                0 => &mut args.hooks.before_snapshot,
                1 => &mut args.hooks.after_restore,
                _ => &mut args.hooks.shutdown,
            };
            *slot = path;
        } else {
            args.krate = errors.take(crate_path(value));
        }
    }
    Some(args)
}

/// Splits `a = x, b = y::z, c` into keys and the tokens of their values.
fn split_args(input: ParseStream) -> syn::Result<Vec<RawArg>> {
    let mut raw = Vec::new();
    while !input.is_empty() {
        let key = input.call(Ident::parse_any).map_err(|e| {
            syn::Error::new(
                e.span(),
                format_args!("expected an option name: the options are {VALID_KEYS}"),
            )
        })?;
        let value = if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            let mut value = TokenStream::new();
            while !input.is_empty() && !input.peek(Token![,]) {
                value.extend([input.parse::<TokenTree>()?]);
            }
            Some((eq, value))
        } else {
            None
        };
        raw.push(RawArg { key, value });
        if input.is_empty() {
            break;
        }
        let _: Token![,] = input
            .parse()
            .map_err(|e| syn::Error::new(e.span(), "expected `,` or `=` after an option name"))?;
    }
    Ok(raw)
}

/// The value of `init`: the path of a function, e.g. `make_state` or `state::build`.
fn init_path(value: TokenStream) -> syn::Result<syn::ExprPath> {
    let message = "`init` takes the path of a function that builds the state: `init = make_state`";
    let path: syn::ExprPath =
        syn::parse2(value.clone()).map_err(|_| syn::Error::new_spanned(&value, message))?;
    if !path.attrs.is_empty() || path.qself.is_some() {
        return Err(syn::Error::new_spanned(&value, message));
    }
    Ok(path)
}

/// The value of a hook option: the path of a function, e.g. `reconnect` or `db::close`.
fn hook_path(name: &str, value: TokenStream) -> syn::Result<syn::ExprPath> {
    let message = format!(
        "`{name}` takes the path of a function that takes the state (`&State`, with `init`) or nothing, and returns `()` or `Result<(), E>`: `{name} = my_hook`"
    );
    let path: syn::ExprPath =
        syn::parse2(value.clone()).map_err(|_| syn::Error::new_spanned(&value, &message))?;
    if !path.attrs.is_empty() || path.qself.is_some() {
        return Err(syn::Error::new_spanned(&value, message));
    }
    Ok(path)
}

/// The value of `crate`: a string holding a path, e.g. `"my_lambda"` or `"::my_lambda"`.
fn crate_path(value: TokenStream) -> syn::Result<Path> {
    let lit: LitStr = syn::parse2(value.clone()).map_err(|_| {
        syn::Error::new_spanned(
            &value,
            "`crate` takes a string with the path of the `ruchy-lambda` crate: `crate = \"ruchy_lambda\"`",
        )
    })?;
    lit.parse_with(Path::parse_mod_style).map_err(|_| {
        syn::Error::new_spanned(
            &lit,
            format_args!(
                "`{}` is not a crate path: write the name the `ruchy-lambda` dependency has in this crate, e.g. `crate = \"ruchy_lambda\"`",
                lit.value()
            ),
        )
    })
}

/// Parses the item under the attribute, which must be a `fn`.
pub fn function(tokens: TokenStream) -> syn::Result<ItemFn> {
    match syn::parse2::<Item>(tokens)? {
        Item::Fn(function) => Ok(function),
        other => Err(syn::Error::new_spanned(
            other,
            "`#[handler]` goes on a free `fn` that handles events: put it on your handler function",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn messages(result: syn::Result<impl Sized>) -> Vec<String> {
        match result {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn no_options() {
        let args = args(TokenStream::new()).unwrap();
        assert!(args.init.is_none() && args.krate.is_none());
    }

    #[test]
    fn both_options_in_any_order() {
        let a = args(quote!(crate = "::my_lambda", init = state::build,)).unwrap();
        let init = a.init.unwrap();
        assert_eq!(quote!(#init).to_string(), "state :: build");
        let krate = a.krate.unwrap();
        assert_eq!(quote!(#krate).to_string(), ":: my_lambda");
    }

    #[test]
    fn turbofish_init_is_a_path() {
        let a = args(quote!(init = make::<u8>)).unwrap();
        assert!(a.init.is_some());
    }

    #[test]
    fn every_bad_option_is_reported() {
        let m = messages(args(quote!(
            foo = 1,
            init,
            init = make,
            init = other,
            crate = my_lambda,
            crate = "a b"
        )));
        assert_eq!(m.len(), 6, "{m:#?}");
        assert!(m[0].starts_with("unknown option `foo`: the options are `init"));
        assert_eq!(m[1], "`init` needs a value: `init = make_state`");
        assert!(m[2].starts_with("`init` is given twice"));
        assert!(m[3].starts_with("`init` is given twice"));
        assert!(m[4].starts_with("`crate` takes a string"));
        assert!(m[5].starts_with("`crate` is given twice"));
        let m = messages(args(quote!(crate = "a b")));
        assert!(m[0].starts_with("`a b` is not a crate path"), "{m:?}");
    }

    #[test]
    fn hooks_are_paths_each_given_once() {
        let a = args(quote!(
            init = make,
            shutdown = db::close,
            before_snapshot = drain,
            after_restore = reconnect
        ))
        .unwrap();
        let path = |p: Option<syn::ExprPath>| quote!(#p).to_string();
        assert_eq!(path(a.hooks.before_snapshot), "drain");
        assert_eq!(path(a.hooks.after_restore), "reconnect");
        assert_eq!(path(a.hooks.shutdown), "db :: close");
        let m = messages(args(quote!(
            shutdown = || 1,
            after_restore,
            before_snapshot = a,
            before_snapshot = b
        )));
        assert_eq!(m.len(), 3, "{m:#?}");
        assert!(m[0].starts_with("`shutdown` takes the path of a function"));
        assert_eq!(
            m[1],
            "`after_restore` needs a value: `after_restore = my_hook`"
        );
        assert!(m[2].starts_with("`before_snapshot` is given twice"));
        assert!(!args(quote!()).unwrap().hooks.any());
    }

    #[test]
    fn init_must_be_a_path() {
        let m = messages(args(quote!(init = || 1)));
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("`init` takes the path of a function"));
        let m = messages(args(quote!(init = )));
        assert_eq!(m, ["`init =` needs a value after the `=`"]);
    }

    #[test]
    fn separators_are_checked() {
        let m = messages(args(quote!(init = a crate)));
        assert!(
            m[0].starts_with("`init` takes the path of a function"),
            "{m:?}"
        );
        let m = messages(args(quote!(init(a))));
        assert_eq!(m, ["expected `,` or `=` after an option name"]);
        let m = messages(args(quote!("init")));
        assert!(m[0].starts_with("expected an option name"));
    }

    #[test]
    fn only_fns() {
        assert!(
            function(quote!(
                fn handle(e: &str) {}
            ))
            .is_ok()
        );
        let m = messages(function(quote!(
            struct Order;
        )));
        assert!(m[0].starts_with("`#[handler]` goes on a free `fn`"));
    }
}
