//! Validation: checks the handler's signature against the contract and classifies its
//! parameters and return type. Everything is decided from the syntax; what the syntax cannot
//! tell (is the event `Deserialize`?) is left to rustc through the helper traits of
//! `ruchy_lambda::__private`.

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{
    FnArg, GenericArgument, GenericParam, Ident, ItemFn, Pat, PathArguments, ReturnType, Safety,
    Type,
};

use crate::errors::Errors;
use crate::parse::Args;

/// A handler whose signature is valid, ready to be expanded.
pub struct Handler<'a> {
    /// The user's function name.
    pub ident: &'a Ident,
    /// What the function takes.
    pub inputs: Inputs<'a>,
    /// What it returns.
    pub output: Output<'a>,
    /// `init = make_state`, when given.
    pub init: Option<&'a syn::ExprPath>,
}

/// What a handler takes.
pub enum Inputs<'a> {
    /// `fn(event, [context], [stream], [state])`.
    Event {
        event: Event<'a>,
        context: Option<ContextArg<'a>>,
        /// A `&mut ResponseStream` parameter, as written: the handler streams its response.
        stream: Option<&'a Type>,
        /// The `S` of a `&S` state parameter.
        state: Option<&'a Type>,
    },
    /// `fn(request_id: &str, body: &str) -> String`.
    Ruchy,
}

/// How the event is handed to the handler.
pub enum Event<'a> {
    /// `&str`: the body as UTF-8.
    Str,
    /// `&[u8]`: the body as it came.
    Bytes,
    /// `String`: an owned copy of the body as UTF-8.
    String,
    /// `Vec<u8>`: an owned copy of the body.
    ByteVec,
    /// `Request<Body>`: an HTTP request from API Gateway, an ALB or a function URL.
    Http(&'a Type),
    /// Any other type, parsed from JSON.
    Json(&'a Type),
}

/// A `Context` parameter.
pub struct ContextArg<'a> {
    /// The `Context` type as written (without the `&`), to span type errors on.
    pub ty: &'a Type,
    /// `Context` by value: the handler gets a clone.
    pub owned: bool,
}

/// What the handler returns.
pub enum Output<'a> {
    /// A reply, sent as is.
    Reply(Reply<'a>),
    /// `Result<R, E>`: `R` sent as a reply, or `E` reported as the invocation's error.
    Result {
        ok: Reply<'a>,
        /// `E` as written, or the whole return type when it is not spelled out (`io::Result<T>`).
        err: &'a Type,
    },
}

/// How a value becomes the reply body.
pub enum Reply<'a> {
    /// No return type, or `()`: an empty body.
    Unit,
    /// `String`, `&str`, `Vec<u8>`, `&[u8]`: the bytes as they are.
    Raw,
    /// Any other type, serialized to JSON.
    Json(&'a Type),
    /// The reply of an HTTP handler: anything `IntoResponse` (`None`: no return type), sent in
    /// the shape of the front that sent the request.
    Http(Option<&'a Type>),
}

/// Checks `function` against the handler contract; every violation is reported, each on the
/// offending token.
pub fn handler<'a>(args: &'a Args, function: &'a ItemFn) -> syn::Result<Handler<'a>> {
    let mut errors = Errors::default();
    let sig = &function.sig;

    if let Some(asyncness) = &sig.asyncness {
        errors.at(
            asyncness,
            "`async fn` is not supported: handlers run on a blocking loop; remove `async`",
        );
    }
    if let Safety::Unsafe(unsafety) = &sig.safety {
        errors.at(
            unsafety,
            "`unsafe fn` cannot be a handler: the generated `main` calls it as a safe function; remove `unsafe`",
        );
    }
    check_generics(&sig.generics, &mut errors);
    if sig.ident == "main" {
        errors.at(
            &sig.ident,
            "a handler cannot be named `main`: `#[handler]` generates `main`; rename the function, e.g. `handle`",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(
            variadic,
            "variadic handlers are not supported: remove `...`",
        );
    }

    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.at(
                receiver,
                "a handler is a free `fn`, not a method: remove `self` and move the function out of the `impl`",
            ),
            FnArg::Typed(param) => {
                check_pattern(&param.pat, &mut errors);
                if let Some(impl_trait) = find_impl_trait(&param.ty) {
                    errors.at(
                        impl_trait,
                        "`impl Trait` is not supported in a handler's parameters: name the type, e.g. `event: Order`",
                    );
                }
                params.push(&*param.ty);
            }
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if let Some(impl_trait) = find_impl_trait(ty) {
            errors.at(
                impl_trait,
                "`impl Trait` is not supported in a handler's return type: name the type, e.g. `-> Receipt`",
            );
        }
    }

    let ruchy = params.len() == 2 && params.iter().all(|ty| is_str_ref(ty));
    let inputs = if ruchy {
        if !matches!(&sig.output, ReturnType::Type(_, ty) if is_string(ty)) {
            let message = "the two-`&str` form `fn(request_id: &str, body: &str)` must return `String`: add `-> String`";
            match &sig.output {
                ReturnType::Type(_, ty) => errors.at(ty, message),
                ReturnType::Default => {
                    errors.push(syn::Error::new(sig.paren_token.span.close(), message))
                }
            }
        }
        if let Some(init) = &args.init {
            errors.at(
                init,
                "the two-`&str` form `fn(request_id: &str, body: &str)` takes no state: remove `init`, or take the event as `&str` and the state as `&S`",
            );
        }
        Inputs::Ruchy
    } else {
        inputs(args, function, &params, &mut errors)
    };
    let output = match &sig.output {
        ReturnType::Default => Output::Reply(Reply::Unit),
        ReturnType::Type(_, ty) => output(ty),
    };
    let streams = matches!(
        &inputs,
        Inputs::Event {
            stream: Some(_),
            ..
        }
    );
    let replies = match &output {
        Output::Reply(reply) | Output::Result { ok: reply, .. } => !matches!(reply, Reply::Unit),
    };
    if let (true, true, ReturnType::Type(_, ty)) = (streams, replies, &sig.output) {
        errors.at(
            ty,
            "a streaming handler writes its reply to the stream: return `()` or `Result<(), E>`",
        );
    }
    let http = matches!(
        &inputs,
        Inputs::Event {
            event: Event::Http(_),
            ..
        }
    );
    let output = if http && !streams {
        // Whatever an HTTP handler returns is a response: `IntoResponse` decides.
        let http_reply = |reply: Reply<'a>| match reply {
            Reply::Json(ty) => Reply::Http(Some(ty)),
            Reply::Unit | Reply::Raw | Reply::Http(_) => Reply::Http(None),
        };
        match output {
            Output::Reply(reply) => Output::Reply(http_reply(reply)),
            Output::Result { ok, err } => Output::Result {
                ok: http_reply(ok),
                err,
            },
        }
    } else {
        output
    };

    errors.finish(Handler {
        ident: &sig.ident,
        inputs,
        output,
        init: args.init.as_ref(),
    })
}

/// Handlers are called with concrete types: no type or const parameters. Lifetime parameters
/// are fine (`fn handle<'a>(batch: Batch<'a>, ctx: &Context) -> Summary<'a>`): every lifetime is
/// inferred at the call, within the invocation.
fn check_generics(generics: &syn::Generics, errors: &mut Errors) {
    let lifetimes_only = generics
        .params
        .iter()
        .all(|p| matches!(p, GenericParam::Lifetime(_)));
    if !lifetimes_only {
        errors.at(
            generics,
            "generic handlers are not supported: the event, state and reply types must be concrete; remove the generic parameters",
        );
    } else if let Some(where_clause) = &generics.where_clause {
        errors.at(
            where_clause,
            "`where` clauses are not supported on a handler: remove it",
        );
    }
}

/// A parameter is a name (`event`, `mut event`) or `_`.
fn check_pattern(pat: &Pat, errors: &mut Errors) {
    match pat {
        Pat::Ident(ident) if ident.subpat.is_none() => {}
        Pat::Wild(_) => {}
        other => errors.at(
            other,
            "unsupported parameter pattern: name the parameter (e.g. `event`) or use `_`, and destructure it in the body",
        ),
    }
}

/// Classifies the parameters of a handler that is not in the Ruchy form:
/// event, then optional context, then optional state.
fn inputs<'a>(
    args: &'a Args,
    function: &'a ItemFn,
    params: &[&'a Type],
    errors: &mut Errors,
) -> Inputs<'a> {
    let sig = &function.sig;
    let Some((first, rest)) = params.split_first() else {
        if sig.receiver().is_none() {
            errors.push(syn::Error::new(
                sig.paren_token.span.join(),
                "a handler takes the event as its first parameter: add one, e.g. `event: &str`",
            ));
        }
        return Inputs::Event {
            event: Event::Str,
            context: None,
            stream: None,
            state: None,
        };
    };

    let mut context: Option<ContextArg<'a>> = None;
    let mut rest = rest;
    let event = match (context_type(first), rest.split_first()) {
        (Some(owned), Some((second, after))) => {
            errors.at(
                first,
                "the event comes first: move the `Context` parameter after it (the order is event, context, state)",
            );
            context = Some(ContextArg {
                ty: referent(first),
                owned,
            });
            rest = after;
            event(second)
        }
        (Some(_), None) => {
            errors.at(
                first,
                "a handler's first parameter is the event: add it before the `Context`, e.g. `event: &str`",
            );
            Event::Str
        }
        (None, _) => event(first),
    };

    let mut state: Option<&'a Type> = None;
    let mut stream: Option<&'a Type> = None;
    let first_index = params.len() - rest.len();
    // A stream is a parameter more: event, context, stream, state.
    let most = 3 + usize::from(rest.iter().any(|ty| is_stream(ty)));
    for (index, &ty) in rest.iter().enumerate() {
        if is_stream(ty) {
            if stream.is_some() {
                errors.at(
                    ty,
                    "the response stream is taken twice: remove this parameter",
                );
            } else if state.is_some() {
                errors.at(
                    ty,
                    "the response stream comes before the state: move this parameter before it (the order is event, context, stream, state)",
                );
            } else if !matches!(peel(ty), Type::Reference(r) if r.mutability.is_some()) {
                errors.at(
                    ty,
                    "the response stream is written to: take it as `&mut ResponseStream`",
                );
            }
            stream = Some(ty);
            continue;
        }
        if first_index + index >= most {
            errors.at(
                ty,
                "too many parameters: a handler takes the event, then an optional `&Context`, then an optional `&State` with `#[handler(init = …)]`",
            );
            continue;
        }
        if let Some(owned) = context_type(ty) {
            if context.is_some() {
                errors.at(ty, "`Context` is taken twice: remove this parameter");
            } else if stream.is_some() {
                errors.at(
                    ty,
                    "the context comes before the response stream: move this parameter before it (the order is event, context, stream, state)",
                );
            } else if state.is_some() {
                errors.at(
                    ty,
                    "the context comes before the state: move this parameter before it (the order is event, context, state)",
                );
            } else if let Type::Reference(reference) = peel(ty) {
                if let Some(mutability) = &reference.mutability {
                    errors.at(
                        mutability,
                        "the context cannot be borrowed mutably: take `&Context`",
                    );
                }
            }
            context = Some(ContextArg {
                ty: referent(ty),
                owned,
            });
            continue;
        }
        match peel(ty) {
            Type::Reference(reference) => {
                if state.is_some() {
                    errors.at(ty, "only one state parameter is allowed: remove this one");
                } else if !args.init_written {
                    errors.at(
                        ty,
                        "a state parameter needs an `init` function that builds the state: add `#[handler(init = make_state)]`",
                    );
                } else if let Some(mutability) = &reference.mutability {
                    errors.at(
                        mutability,
                        "the state is shared by every invocation: take it as `&S` and use `Cell`, `Mutex` or atomics for what changes",
                    );
                }
                state = Some(&reference.elem);
            }
            _ if args.init_written && state.is_none() => {
                errors.at(
                    ty,
                    format_args!(
                        "the state is built once and shared by every invocation: take it by reference, `&{}`",
                        ty.to_token_stream()
                    ),
                );
                state = Some(ty);
            }
            _ => errors.at(
                ty,
                "unexpected parameter: after the event, a handler takes an optional `&Context`, then an optional `&State` with `#[handler(init = …)]`",
            ),
        }
    }

    if let (Some(init), None) = (&args.init, state) {
        errors.at(
            init,
            "`init` builds a state, but the handler has no state parameter: add one after the event and the context, e.g. `state: &State`",
        );
    }

    Inputs::Event {
        event,
        context,
        stream,
        state,
    }
}

/// The event kind, from the syntax of its type: the four raw forms, or JSON.
fn event(ty: &Type) -> Event<'_> {
    if is_str_ref(ty) {
        Event::Str
    } else if is_bytes_ref(ty) {
        Event::Bytes
    } else if is_string(ty) {
        Event::String
    } else if is_byte_vec(ty) {
        Event::ByteVec
    } else if is_http_request(ty) {
        Event::Http(ty)
    } else {
        Event::Json(ty)
    }
}

/// `Request<Body>` (any paths ending in them): an HTTP event.
fn is_http_request(ty: &Type) -> bool {
    let Type::Path(path) = peel(ty) else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    path.qself.is_none()
        && last.ident == "Request"
        && args.args.len() == 1
        && matches!(args.args.first(), Some(GenericArgument::Type(Type::Path(body)))
            if body.path.segments.last().is_some_and(|s| s.ident == "Body" && s.arguments.is_none()))
}

/// The reply kind, from the syntax of the return type.
fn output(ty: &Type) -> Output<'_> {
    match result_type(ty) {
        Some((ok, err)) => Output::Result {
            ok: reply(ok),
            err: err.unwrap_or(ty),
        },
        None => Output::Reply(reply(ty)),
    }
}

/// How a returned value is sent. Only the outer `Result` is a fallible handler: a `Result`
/// inside it is an ordinary value, sent as JSON.
fn reply(ty: &Type) -> Reply<'_> {
    if matches!(peel(ty), Type::Tuple(tuple) if tuple.elems.is_empty()) {
        Reply::Unit
    } else if is_str_ref(ty) || is_bytes_ref(ty) || is_string(ty) || is_byte_vec(ty) {
        Reply::Raw
    } else {
        Reply::Json(ty)
    }
}

/// Strips the invisible groups macros wrap types in, and parentheses.
fn peel(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

/// The type a reference points to, or the type itself.
fn referent(ty: &Type) -> &Type {
    match peel(ty) {
        Type::Reference(reference) => &reference.elem,
        other => other,
    }
}

/// `&str` (any lifetime).
fn is_str_ref(ty: &Type) -> bool {
    matches!(peel(ty), Type::Reference(r) if r.mutability.is_none() && is_path(&r.elem, &[], "str"))
}

/// `&[u8]` (any lifetime).
fn is_bytes_ref(ty: &Type) -> bool {
    matches!(peel(ty), Type::Reference(r) if r.mutability.is_none()
        && matches!(peel(&r.elem), Type::Slice(s) if is_path(&s.elem, &[], "u8")))
}

/// `String`, `std::string::String` or `alloc::string::String`.
fn is_string(ty: &Type) -> bool {
    is_path(ty, &["string"], "String")
}

/// `Vec<u8>`, `std::vec::Vec<u8>` or `alloc::vec::Vec<u8>`.
fn is_byte_vec(ty: &Type) -> bool {
    let Some(segment) = std_path(ty, &["vec"], "Vec") else {
        return false;
    };
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return false;
    };
    args.args.len() == 1
        && matches!(args.args.first(), Some(GenericArgument::Type(elem)) if is_path(elem, &[], "u8"))
}

/// The type is `name` without generic arguments, or `std::<module…>::name` /
/// `alloc::<module…>::name`, with or without a leading `::`.
fn is_path(ty: &Type, module: &[&str], name: &str) -> bool {
    std_path(ty, module, name).is_some_and(|segment| segment.arguments.is_none())
}

/// The last segment of `ty` when it is `name` or its full path in `std` or `alloc`.
fn std_path<'a>(ty: &'a Type, module: &[&str], name: &str) -> Option<&'a syn::PathSegment> {
    let Type::Path(path) = peel(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
    let (last, prefix) = segments.split_last()?;
    if last.ident != name {
        return None;
    }
    if prefix.is_empty() {
        return path.path.leading_colon.is_none().then_some(*last);
    }
    let (root, modules) = prefix.split_first()?;
    let in_std = (root.ident == "std" || root.ident == "alloc" || root.ident == "core")
        && modules.len() == module.len()
        && modules.iter().zip(module).all(|(s, m)| s.ident == m)
        && prefix.iter().all(|s| s.arguments.is_none());
    in_std.then_some(*last)
}

/// `Some(owned)` when the type is a context: a path ending in `Context`, by reference
/// (`owned == false`) or by value.
fn context_type(ty: &Type) -> Option<bool> {
    let (ty, owned) = match peel(ty) {
        Type::Reference(reference) => (&*reference.elem, false),
        other => (other, true),
    };
    let Type::Path(path) = peel(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    (path.qself.is_none() && last.ident == "Context" && last.arguments.is_none()).then_some(owned)
}

/// `ResponseStream` (any path ending in it, with or without a lifetime argument), by reference or
/// by value: the writer of a streaming handler.
fn is_stream(ty: &Type) -> bool {
    let ty = referent(ty);
    let Type::Path(path) = peel(ty) else {
        return false;
    };
    path.qself.is_none()
        && path.path.segments.last().is_some_and(|last| {
            last.ident == "ResponseStream"
                && match &last.arguments {
                    PathArguments::None => true,
                    PathArguments::AngleBracketed(args) => args
                        .args
                        .iter()
                        .all(|arg| matches!(arg, GenericArgument::Lifetime(_))),
                    PathArguments::Parenthesized(_) => false,
                }
        })
}

/// `Result<R, E>` (any path ending in `Result`): `R`, and `E` when it is written.
fn result_type(ty: &Type) -> Option<(&Type, Option<&Type>)> {
    let Type::Path(path) = peel(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if path.qself.is_some() || last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let ok = types.next()?;
    Some((ok, types.next()))
}

/// The first `impl Trait` in a type, if any.
fn find_impl_trait(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(_) => Some(ty),
        Type::Group(group) => find_impl_trait(&group.elem),
        Type::Paren(paren) => find_impl_trait(&paren.elem),
        Type::Reference(reference) => find_impl_trait(&reference.elem),
        Type::Ptr(ptr) => find_impl_trait(&ptr.elem),
        Type::Slice(slice) => find_impl_trait(&slice.elem),
        Type::Array(array) => find_impl_trait(&array.elem),
        Type::Tuple(tuple) => first_impl_trait(&tuple.elems),
        Type::Path(path) => {
            path.path
                .segments
                .iter()
                .find_map(|segment| match &segment.arguments {
                    PathArguments::AngleBracketed(args) => {
                        args.args.iter().find_map(|arg| match arg {
                            GenericArgument::Type(ty) => find_impl_trait(ty),
                            _ => None,
                        })
                    }
                    _ => None,
                })
        }
        _ => None,
    }
}

fn first_impl_trait(types: &Punctuated<Type, syn::Token![,]>) -> Option<&Type> {
    types.iter().find_map(find_impl_trait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn check(args: TokenStream, function: TokenStream) -> Result<(), Vec<String>> {
        let args = crate::parse::args(args).unwrap();
        let function = crate::parse::function(function).unwrap();
        handler(&args, &function)
            .map(|_| ())
            .map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
    }

    fn with<T>(
        args: TokenStream,
        function: TokenStream,
        look: impl FnOnce(&Handler<'_>) -> T,
    ) -> T {
        let args = crate::parse::args(args).unwrap();
        let function = crate::parse::function(function).unwrap();
        let handler = handler(&args, &function).unwrap_or_else(|e| panic!("{e}"));
        look(&handler)
    }

    fn event_kind(ty: TokenStream) -> &'static str {
        with(quote!(), quote!(fn h(e: #ty) {}), |h| match &h.inputs {
            Inputs::Event { event, .. } => match event {
                Event::Str => "str",
                Event::Bytes => "bytes",
                Event::String => "string",
                Event::ByteVec => "vec",
                Event::Http(_) => "http",
                Event::Json(_) => "json",
            },
            Inputs::Ruchy => "ruchy",
        })
    }

    fn output_kind(ty: TokenStream) -> String {
        fn reply(reply: &Reply<'_>) -> &'static str {
            match reply {
                Reply::Unit => "unit",
                Reply::Raw => "raw",
                Reply::Json(_) => "json",
                Reply::Http(_) => "http",
            }
        }
        fn name(output: &Output<'_>) -> String {
            match output {
                Output::Reply(r) => reply(r).into(),
                Output::Result { ok, err } => {
                    format!("result({}, {})", reply(ok), err.to_token_stream())
                }
            }
        }
        with(quote!(), quote!(fn h(e: &str) -> #ty { todo!() }), |h| {
            name(&h.output)
        })
    }

    #[test]
    fn events_are_classified_by_syntax() {
        assert_eq!(event_kind(quote!(&str)), "str");
        assert_eq!(event_kind(quote!(&'static str)), "str");
        assert_eq!(event_kind(quote!(&[u8])), "bytes");
        assert_eq!(event_kind(quote!(String)), "string");
        assert_eq!(event_kind(quote!(std::string::String)), "string");
        assert_eq!(event_kind(quote!(::alloc::string::String)), "string");
        assert_eq!(event_kind(quote!(Vec<u8>)), "vec");
        assert_eq!(event_kind(quote!(std::vec::Vec<u8>)), "vec");
        assert_eq!(event_kind(quote!(Vec<u16>)), "json");
        assert_eq!(event_kind(quote!(Order)), "json");
        assert_eq!(event_kind(quote!(my::String)), "json");
        assert_eq!(event_kind(quote!(serde_json::Value)), "json");
        assert_eq!(event_kind(quote!(&mut str)), "json");
        assert_eq!(event_kind(quote!(Request<Body>)), "http");
        assert_eq!(
            event_kind(quote!(http::Request<ruchy_lambda::http::Body>)),
            "http"
        );
        assert_eq!(event_kind(quote!(Request)), "json");
        assert_eq!(event_kind(quote!(Request<Order>)), "json");
    }

    #[test]
    fn outputs_are_classified_by_syntax() {
        assert_eq!(output_kind(quote!(())), "unit");
        assert_eq!(output_kind(quote!(String)), "raw");
        assert_eq!(output_kind(quote!(&'static str)), "raw");
        assert_eq!(output_kind(quote!(Vec<u8>)), "raw");
        assert_eq!(output_kind(quote!(&'static [u8])), "raw");
        assert_eq!(output_kind(quote!(Receipt)), "json");
        assert_eq!(
            output_kind(quote!(Result<Receipt, MyError>)),
            "result(json, MyError)"
        );
        assert_eq!(
            output_kind(quote!(std::result::Result<String, String>)),
            "result(raw, String)"
        );
        assert_eq!(
            output_kind(quote!(io::Result<()>)),
            "result(unit, io :: Result < () >)"
        );
    }

    #[test]
    fn context_and_state() {
        with(
            quote!(init = make),
            quote!(
                fn h(e: Order, ctx: Context, s: &State) {}
            ),
            |h| {
                let Inputs::Event { context, state, .. } = &h.inputs else {
                    panic!("not an event handler")
                };
                assert!(context.as_ref().unwrap().owned);
                assert_eq!(state.unwrap().to_token_stream().to_string(), "State");
            },
        );
        with(
            quote!(),
            quote!(
                fn h(e: Order, ctx: &ruchy_lambda::Context) {}
            ),
            |h| {
                let Inputs::Event { context, .. } = &h.inputs else {
                    panic!("not an event handler")
                };
                assert!(!context.as_ref().unwrap().owned);
            },
        );
    }

    #[test]
    fn ruchy_form() {
        with(
            quote!(),
            quote!(
                fn h(id: &str, body: &str) -> String {
                    todo!()
                }
            ),
            |h| assert!(matches!(h.inputs, Inputs::Ruchy)),
        );
        let e = check(
            quote!(),
            quote!(
                fn h(id: &str, body: &str) {}
            ),
        )
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("the two-`&str` form"));
    }

    #[test]
    fn accepted_forms() {
        for function in [
            quote!(
                fn h(e: &str) {}
            ),
            quote!(
                fn h(mut e: String) {}
            ),
            quote!(
                fn h(_: Vec<u8>) {}
            ),
            quote!(
                fn h(e: &[u8], _: &Context) -> Vec<u8> {
                    todo!()
                }
            ),
            quote!(
                pub(crate) const fn h(e: Order) -> Result<(), E> {
                    todo!()
                }
            ),
        ] {
            assert_eq!(check(quote!(), function.clone()), Ok(()), "{function}");
        }
        assert_eq!(
            check(
                quote!(init = s),
                quote!(
                    fn h(e: Order, s: &S) {}
                )
            ),
            Ok(())
        );
    }

    #[test]
    fn each_rejection_has_its_message() {
        let cases = [
            (
                quote!(),
                quote!(
                    async fn h(e: &str) {}
                ),
                "`async fn` is not supported",
            ),
            (
                quote!(),
                quote!(
                    unsafe fn h(e: &str) {}
                ),
                "`unsafe fn` cannot be a handler",
            ),
            (
                quote!(),
                quote!(
                    fn h<T>(e: T) {}
                ),
                "generic handlers are not supported",
            ),
            (
                quote!(),
                quote!(
                    fn h<const N: usize>(e: &str) {}
                ),
                "generic handlers",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str)
                    where
                        u8: Copy,
                    {
                    }
                ),
                "`where` clauses",
            ),
            (
                quote!(),
                quote!(
                    fn h(&self) {}
                ),
                "a handler is a free `fn`, not a method",
            ),
            (
                quote!(),
                quote!(
                    fn h() {}
                ),
                "a handler takes the event as its first parameter",
            ),
            (
                quote!(),
                quote!(
                    fn main(e: &str) {}
                ),
                "a handler cannot be named `main`",
            ),
            (
                quote!(),
                quote!(
                    fn h((a, b): (u8, u8)) {}
                ),
                "unsupported parameter pattern",
            ),
            (
                quote!(),
                quote!(
                    fn h(x @ _: u8) {}
                ),
                "unsupported parameter pattern",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: impl Sized) {}
                ),
                "`impl Trait` is not supported in a handler's parameters",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: Vec<impl Sized>) {}
                ),
                "`impl Trait` is not supported in a handler's parameters",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str) -> impl Sized {}
                ),
                "`impl Trait` is not supported in a handler's return type",
            ),
            (
                quote!(),
                quote!(
                    fn h(c: &Context, e: &str) {}
                ),
                "the event comes first",
            ),
            (
                quote!(),
                quote!(
                    fn h(c: &Context) {}
                ),
                "a handler's first parameter is the event",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, c: &Context, d: &Context) {}
                ),
                "`Context` is taken twice",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, s: &S, c: &Context) {}
                ),
                "the context comes before the state",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, s: &S) {}
                ),
                "a state parameter needs an `init` function",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, s: S) {}
                ),
                "the state is built once",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, s: &mut S) {}
                ),
                "the state is shared",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, n: u32) {}
                ),
                "unexpected parameter",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str) {}
                ),
                "`init` builds a state, but the handler has no state parameter",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, c: &Context, s: &S, x: &S) {}
                ),
                "too many parameters",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(a: &str, b: &str) -> String {
                        todo!()
                    }
                ),
                "the two-`&str` form `fn(request_id: &str, body: &str)` takes no state",
            ),
        ];
        for (args, function, expected) in cases {
            let errors = check(args, function.clone()).unwrap_err();
            assert_eq!(errors.len(), 1, "{function}: {errors:#?}");
            assert!(errors[0].starts_with(expected), "{function}: {errors:#?}");
            assert!(!errors[0].ends_with('.'), "{}", errors[0]);
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = check(
            quote!(),
            quote!(
                async fn main<T>((a, b): (u8, u8), s: &S) -> impl Sized {}
            ),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 6, "{errors:#?}");
    }
}
