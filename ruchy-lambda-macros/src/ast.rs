//! The handler's signature, sorted: each parameter by what its type says it is, and the return
//! type by how its value is sent. Nothing is refused here; the rules over this model are in
//! `validate`. Everything is decided from the syntax: what the syntax cannot tell (is the event
//! `Deserialize`?) is left to rustc through the helper traits of `ruchy_lambda::__private`.

use syn::punctuated::Punctuated;
use syn::{FnArg, GenericArgument, Pat, PathArguments, Receiver, ReturnType, Token, Type};

/// A handler's signature, its parameters and return type sorted.
pub struct Signature<'a> {
    /// The signature as written, for what is checked on it as a whole: `async`, `unsafe`, the
    /// generics, the name, a variadic.
    pub item: &'a syn::Signature,
    /// `self`, `&self`, …: the function is a method. Only the first parameter can be one.
    pub receiver: Option<&'a Receiver>,
    /// The other parameters, in order.
    pub params: Vec<Param<'a>>,
    /// The return type, when one is written.
    pub return_type: Option<&'a Type>,
    /// How the returned value is sent.
    pub output: Output<'a>,
}

/// A parameter other than `self`.
pub struct Param<'a> {
    /// The pattern, as written: a name, `_`, or a pattern the handler cannot take.
    pub pat: &'a Pat,
    /// The type, as written.
    pub ty: &'a Type,
    /// What the type says the parameter is.
    pub kind: Kind<'a>,
}

/// What a parameter is, from its type alone. Where it stands decides the rest: the first
/// parameter is the event whatever its kind (see [`Param::event`]).
#[derive(Clone, Copy)]
pub enum Kind<'a> {
    /// A path ending in `Context`: `&Context`, `Context`, or `&mut Context` (refused).
    Context {
        /// The `Context` type and whether it is taken by value.
        arg: ContextArg<'a>,
        /// The `mut` of `&mut Context`.
        mutability: Option<&'a Token![mut]>,
    },
    /// A path ending in `ResponseStream`: `&mut ResponseStream`, or by `&` or by value
    /// (refused).
    Stream {
        /// Taken as `&mut`.
        mutable: bool,
    },
    /// A reference to any other type, `&S` or `&mut S` (refused): after the event, the state.
    State {
        /// The `S`, as written.
        ty: &'a Type,
        /// The `mut` of `&mut S`.
        mutability: Option<&'a Token![mut]>,
    },
    /// Any other type, by value: after the event, a state taken by value (refused) or a
    /// parameter the handler does not take.
    Other,
}

/// How the event is handed to the handler.
#[derive(Clone, Copy)]
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
#[derive(Clone, Copy)]
pub struct ContextArg<'a> {
    /// The `Context` type as written (without the `&`), to span type errors on.
    pub ty: &'a Type,
    /// `Context` by value: the handler gets a clone.
    pub owned: bool,
    /// A `DurableContext` (a path ending in it): the handler runs durable executions.
    pub durable: bool,
}

/// What the handler returns.
#[derive(Clone, Copy)]
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
#[derive(Clone, Copy)]
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

impl<'a> Signature<'a> {
    /// Sorts the parameters and the return type of `item`.
    pub fn from_syn(item: &'a syn::Signature) -> Self {
        let mut receiver = None;
        let mut params = Vec::new();
        for input in &item.inputs {
            match input {
                FnArg::Receiver(r) => receiver = Some(r),
                FnArg::Typed(param) => params.push(Param {
                    pat: &param.pat,
                    ty: &param.ty,
                    kind: Kind::of(&param.ty),
                }),
            }
        }
        let (return_type, output) = match &item.output {
            ReturnType::Default => (None, Output::Reply(Reply::Unit)),
            ReturnType::Type(_, ty) => (Some(&**ty), Output::of(ty)),
        };
        Signature {
            item,
            receiver,
            params,
            return_type,
            output,
        }
    }

    /// The Ruchy form, `fn(request_id: &str, body: &str)`: two parameters, both `&str`.
    pub fn is_ruchy(&self) -> bool {
        matches!(&self.params[..], [a, b] if is_str_ref(a.ty) && is_str_ref(b.ty))
    }
}

impl<'a> Param<'a> {
    /// The parameter as the event: one of the four raw forms, an HTTP request, or JSON.
    pub fn event(&self) -> Event<'a> {
        let ty = self.ty;
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
}

impl<'a> Kind<'a> {
    /// The kind of a parameter of type `ty`.
    fn of(ty: &'a Type) -> Self {
        let reference = match peel(ty) {
            Type::Reference(reference) => Some(reference),
            _ => None,
        };
        let mutability = reference.and_then(|r| r.mutability.as_ref());
        if is_stream(ty) {
            Kind::Stream {
                mutable: mutability.is_some(),
            }
        } else if let Some((owned, durable)) = context_type(ty) {
            Kind::Context {
                arg: ContextArg {
                    ty: referent(ty),
                    owned,
                    durable,
                },
                mutability,
            }
        } else if let Some(reference) = reference {
            Kind::State {
                ty: &reference.elem,
                mutability,
            }
        } else {
            Kind::Other
        }
    }
}

impl<'a> Output<'a> {
    /// The reply kind, from the syntax of the return type.
    fn of(ty: &'a Type) -> Self {
        match result_type(ty) {
            Some((ok, err)) => Output::Result {
                ok: Reply::of(ok),
                err: err.unwrap_or(ty),
            },
            None => Output::Reply(Reply::of(ty)),
        }
    }
}

impl<'a> Reply<'a> {
    /// How a returned value is sent. Only the outer `Result` is a fallible handler: a `Result`
    /// inside it is an ordinary value, sent as JSON.
    fn of(ty: &'a Type) -> Self {
        if matches!(peel(ty), Type::Tuple(tuple) if tuple.elems.is_empty()) {
            Reply::Unit
        } else if is_str_ref(ty) || is_bytes_ref(ty) || is_string(ty) || is_byte_vec(ty) {
            Reply::Raw
        } else {
            Reply::Json(ty)
        }
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
pub fn is_string(ty: &Type) -> bool {
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

/// `Some((owned, durable))` when the type is a context: a path ending in `Context` (or in
/// `DurableContext`: `durable`), by reference (`owned == false`) or by value.
fn context_type(ty: &Type) -> Option<(bool, bool)> {
    let (ty, owned) = match peel(ty) {
        Type::Reference(reference) => (&*reference.elem, false),
        other => (other, true),
    };
    let Type::Path(path) = peel(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    let durable = last.ident == "DurableContext";
    (path.qself.is_none() && (last.ident == "Context" || durable) && last.arguments.is_none())
        .then_some((owned, durable))
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
pub fn find_impl_trait(ty: &Type) -> Option<&Type> {
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

fn first_impl_trait(types: &Punctuated<Type, Token![,]>) -> Option<&Type> {
    types.iter().find_map(find_impl_trait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::{ToTokens, quote};

    fn sorted<T>(sig: TokenStream, look: impl FnOnce(&Signature<'_>) -> T) -> T {
        let sig: syn::Signature = syn::parse2(sig).unwrap_or_else(|e| panic!("{e}"));
        look(&Signature::from_syn(&sig))
    }

    fn event_kind(ty: TokenStream) -> &'static str {
        sorted(quote!(fn h(e: #ty)), |sig| match sig.params[0].event() {
            Event::Str => "str",
            Event::Bytes => "bytes",
            Event::String => "string",
            Event::ByteVec => "vec",
            Event::Http(_) => "http",
            Event::Json(_) => "json",
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
        sorted(quote!(fn h(e: &str) -> #ty), |sig| match &sig.output {
            Output::Reply(r) => reply(r).into(),
            Output::Result { ok, err } => {
                format!("result({}, {})", reply(ok), err.to_token_stream())
            }
        })
    }

    fn kind(ty: TokenStream) -> String {
        let mutable = |m: Option<&Token![mut]>| if m.is_some() { "mut " } else { "" };
        sorted(quote!(fn h(p: #ty)), |sig| match &sig.params[0].kind {
            Kind::Context { arg, mutability } => format!(
                "context({}{}{})",
                mutable(*mutability),
                if arg.owned { "owned " } else { "" },
                arg.ty.to_token_stream()
            ),
            Kind::Stream { mutable: true } => "stream(mut)".into(),
            Kind::Stream { mutable: false } => "stream".into(),
            Kind::State { ty, mutability } => {
                format!("state({}{})", mutable(*mutability), ty.to_token_stream())
            }
            Kind::Other => "other".into(),
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
        // In the event's place, a context or a stream is read as a JSON event too.
        assert_eq!(event_kind(quote!(&Context)), "json");
        assert_eq!(event_kind(quote!(&mut ResponseStream)), "json");
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
        assert_eq!(
            output_kind(quote!(Result<Result<String, E>, E>)),
            "result(json, E)"
        );
        sorted(quote!(fn h(e: &str)), |sig| {
            assert!(sig.return_type.is_none());
            assert!(matches!(sig.output, Output::Reply(Reply::Unit)));
        });
    }

    #[test]
    fn parameters_are_sorted_by_kind() {
        let cases = [
            (quote!(&Context), "context(Context)"),
            (
                quote!(&'a ruchy_lambda::Context),
                "context(ruchy_lambda :: Context)",
            ),
            (quote!(Context), "context(owned Context)"),
            (quote!(&mut Context), "context(mut Context)"),
            (quote!((&Context)), "context(Context)"),
            (quote!(Context<T>), "other"),
            (quote!(&mut ResponseStream), "stream(mut)"),
            (quote!(&mut ruchy_lambda::ResponseStream<'a>), "stream(mut)"),
            (quote!(&ResponseStream), "stream"),
            (quote!(ResponseStream), "stream"),
            (
                quote!(&mut ResponseStream<T>),
                "state(mut ResponseStream < T >)",
            ),
            (quote!(&State), "state(State)"),
            (quote!(&'static State), "state(State)"),
            (quote!(&mut State), "state(mut State)"),
            (quote!(&str), "state(str)"),
            (quote!((&State)), "state(State)"),
            (quote!(State), "other"),
            (quote!(String), "other"),
            (quote!(Request<Body>), "other"),
            (quote!(Box<Context>), "other"),
        ];
        for (ty, expected) in cases {
            assert_eq!(kind(ty.clone()), expected, "{ty}");
        }
    }

    #[test]
    fn the_receiver_is_set_apart() {
        sorted(quote!(fn h(&self, e: &str, c: &Context)), |sig| {
            assert!(sig.receiver.is_some());
            assert_eq!(sig.params.len(), 2);
            assert!(matches!(sig.params[0].event(), Event::Str));
            assert!(matches!(sig.params[1].kind, Kind::Context { .. }));
        });
        sorted(quote!(fn h()), |sig| {
            assert!(sig.receiver.is_none());
            assert!(sig.params.is_empty());
        });
    }

    #[test]
    fn the_ruchy_form_is_two_strs() {
        let ruchy = |sig: TokenStream| sorted(sig, |sig| sig.is_ruchy());
        assert!(ruchy(quote!(fn h(id: &str, body: &str) -> String)));
        assert!(ruchy(quote!(fn h(id: &'a str, body: &'static str))));
        assert!(ruchy(quote!(fn h(&self, id: &str, body: &str))));
        assert!(!ruchy(quote!(fn h(body: &str))));
        assert!(!ruchy(quote!(fn h(id: &str, body: String))));
        assert!(!ruchy(quote!(fn h(id: &str, body: &mut str))));
        assert!(!ruchy(quote!(fn h(a: &str, b: &str, c: &str))));
    }
}
