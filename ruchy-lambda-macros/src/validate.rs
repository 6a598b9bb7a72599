//! Validation: the rules of the handler contract, checked over the sorted signature of `ast`.
//!
//! Every violation is reported, each on the offending token, in this order: the function as a
//! whole, then each parameter's own form and the return type's, then the parameters' order and
//! combination, then the reply. Within one parameter, only the first rule it breaks is reported.

use quote::ToTokens;
use syn::{GenericParam, Ident, ItemFn, Pat, Safety, Type};

use crate::ast::{
    ContextArg, Event, Kind, Output, Param, Reply, Signature, find_impl_trait, is_string,
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
    /// `async`, for an `async fn`: its future is driven on tokio (the `tokio` feature).
    pub asyncness: Option<&'a syn::Token![async]>,
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

/// Checks `function` against the handler contract; every violation is reported, each on the
/// offending token.
pub fn handler<'a>(args: &'a Args, function: &'a ItemFn) -> syn::Result<Handler<'a>> {
    let mut errors = Errors::default();
    let sig = Signature::from_syn(&function.sig);
    check_function(&sig, &mut errors);
    check_forms(&sig, &mut errors);
    let inputs = if sig.is_ruchy() {
        check_ruchy(&sig, args, &mut errors);
        Inputs::Ruchy
    } else {
        event_inputs(&sig, args, &mut errors)
    };
    let output = output(&sig, &inputs, &mut errors);
    let asyncness = sig.item.asyncness.as_ref();
    if let (
        Some(asyncness),
        Inputs::Event {
            stream: Some(_), ..
        },
    ) = (asyncness, &inputs)
    {
        errors.at(
            asyncness,
            "a handler that streams cannot be `async fn` (the stream is a blocking writer): remove `async`, and block on what it awaits",
        );
    }
    crate::durable::check(&sig, &inputs, &output, asyncness, &mut errors);
    errors.finish(Handler {
        ident: &sig.item.ident,
        inputs,
        output,
        init: args.init.as_ref(),
        asyncness,
    })
}

/// The function as a whole: a plain, non-generic `fn` that is not `main`.
fn check_function(sig: &Signature<'_>, errors: &mut Errors) {
    let item = sig.item;
    if let Safety::Unsafe(unsafety) = &item.safety {
        errors.at(
            unsafety,
            "`unsafe fn` cannot be a handler: the generated `main` calls it as a safe function; remove `unsafe`",
        );
    }
    check_generics(&item.generics, errors);
    if item.ident == "main" {
        errors.at(
            &item.ident,
            "a handler cannot be named `main`: `#[handler]` generates `main`; rename the function, e.g. `handle`",
        );
    }
    if let Some(variadic) = &item.variadic {
        errors.at(
            variadic,
            "variadic handlers are not supported: remove `...`",
        );
    }
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

/// Each parameter and the return type on their own, wherever they stand: no `self`, a name
/// or `_` for a pattern, no `impl Trait`.
fn check_forms(sig: &Signature<'_>, errors: &mut Errors) {
    if let Some(receiver) = sig.receiver {
        errors.at(
            receiver,
            "a handler is a free `fn`, not a method: remove `self` and move the function out of the `impl`",
        );
    }
    for param in &sig.params {
        check_pattern(param.pat, errors);
        if let Some(impl_trait) = find_impl_trait(param.ty) {
            errors.at(
                impl_trait,
                "`impl Trait` is not supported in a handler's parameters: name the type, e.g. `event: Order`",
            );
        }
    }
    if let Some(impl_trait) = sig.return_type.and_then(find_impl_trait) {
        errors.at(
            impl_trait,
            "`impl Trait` is not supported in a handler's return type: name the type, e.g. `-> Receipt`",
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

/// The Ruchy form, `fn(request_id: &str, body: &str) -> String`, takes no state.
fn check_ruchy(sig: &Signature<'_>, args: &Args, errors: &mut Errors) {
    if !sig.return_type.is_some_and(is_string) {
        let message = "the two-`&str` form `fn(request_id: &str, body: &str)` must return `String`: add `-> String`";
        match sig.return_type {
            Some(ty) => errors.at(ty, message),
            None => errors.push(syn::Error::new(sig.item.paren_token.span.close(), message)),
        }
    }
    if let Some(init) = &args.init {
        errors.at(
            init,
            "the two-`&str` form `fn(request_id: &str, body: &str)` takes no state: remove `init`, or take the event as `&str` and the state as `&S`",
        );
    }
}

/// Where a parameter after the event goes, in the order a handler takes them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Context,
    Stream,
    State,
}

impl Slot {
    /// The slot, as messages name it.
    fn name(self) -> &'static str {
        match self {
            Slot::Context => "the context",
            Slot::Stream => "the response stream",
            Slot::State => "the state",
        }
    }

    /// The message for a second parameter in this slot.
    fn taken_twice(self) -> &'static str {
        match self {
            Slot::Context => "`Context` is taken twice: remove this parameter",
            Slot::Stream => "the response stream is taken twice: remove this parameter",
            Slot::State => "only one state parameter is allowed: remove this one",
        }
    }
}

/// The parameters given a slot so far: at most one in each.
#[derive(Default)]
struct Taken<'a> {
    context: Option<ContextArg<'a>>,
    stream: Option<&'a Type>,
    state: Option<&'a Type>,
}

impl<'a> Taken<'a> {
    fn has(&self, slot: Slot) -> bool {
        match slot {
            Slot::Context => self.context.is_some(),
            Slot::Stream => self.stream.is_some(),
            Slot::State => self.state.is_some(),
        }
    }

    /// The first slot taken that comes after `slot`: `slot` is then out of order.
    fn after(&self, slot: Slot) -> Option<Slot> {
        [Slot::Context, Slot::Stream, Slot::State]
            .into_iter()
            .find(|&taken| taken > slot && self.has(taken))
    }
}

/// The parameters of a handler in the event form: the event first, then at most one context,
/// one response stream and one state, in that order; a state only with `init`, and `init` only
/// with a state.
///
/// Each parameter after the event is reported once at most, for the first of these it breaks:
/// a place for it (not too many, not unexpected), one per slot, the order of the slots, then how
/// it is taken ([`check_taken`]).
fn event_inputs<'a>(sig: &Signature<'a>, args: &'a Args, errors: &mut Errors) -> Inputs<'a> {
    let mut taken = Taken::default();
    // The event is the first parameter whatever its type, unless that is a context: then the
    // context is misplaced and the event is the parameter after it.
    let (event, rest) = match &sig.params[..] {
        [] => {
            if sig.receiver.is_none() {
                errors.push(syn::Error::new(
                    sig.item.paren_token.span.join(),
                    "a handler takes the event as its first parameter: add one, e.g. `event: &str`",
                ));
            }
            return Inputs::Event {
                event: Event::Str,
                context: None,
                stream: None,
                state: None,
            };
        }
        [
            context @ Param {
                kind: Kind::Context { arg, .. },
                ..
            },
            event,
            ..,
        ] => {
            errors.at(
                context.ty,
                "the event comes first: move the `Context` parameter after it (the order is event, context, state)",
            );
            taken.context = Some(*arg);
            (event.event(), 2)
        }
        [
            context @ Param {
                kind: Kind::Context { .. },
                ..
            },
        ] => {
            errors.at(
                context.ty,
                "a handler's first parameter is the event: add it before the `Context`, e.g. `event: &str`",
            );
            (Event::Str, 1)
        }
        [event, ..] => (event.event(), 1),
    };

    // Three places, for the event, a context and a state; a response stream is one more.
    let streams = sig.params[rest..]
        .iter()
        .any(|param| matches!(param.kind, Kind::Stream { .. }));
    let places = 3 + usize::from(streams);
    for (index, param) in sig.params.iter().enumerate().skip(rest) {
        let slot = match param.kind {
            Kind::Stream { .. } => Slot::Stream,
            _ if index >= places => {
                errors.at(
                    param.ty,
                    "too many parameters: a handler takes the event, then an optional `&Context`, then an optional `&State` with `#[handler(init = …)]`",
                );
                continue;
            }
            Kind::Context { .. } => Slot::Context,
            Kind::State { .. } => Slot::State,
            // A type by value is a state (taken the wrong way) while there is none.
            Kind::Other if args.init_written && taken.state.is_none() => Slot::State,
            Kind::Other => {
                errors.at(
                    param.ty,
                    "unexpected parameter: after the event, a handler takes an optional `&Context`, then an optional `&State` with `#[handler(init = …)]`",
                );
                continue;
            }
        };
        if taken.has(slot) {
            errors.at(param.ty, slot.taken_twice());
        } else if let Some(after) = taken.after(slot) {
            let order = if Slot::Stream == slot || Slot::Stream == after {
                "event, context, stream, state"
            } else {
                "event, context, state"
            };
            errors.at(
                param.ty,
                format_args!(
                    "{} comes before {}: move this parameter before it (the order is {order})",
                    slot.name(),
                    after.name()
                ),
            );
        } else {
            check_taken(param, args, errors);
        }
        match param.kind {
            Kind::Context { arg, .. } => taken.context = Some(arg),
            Kind::Stream { .. } => taken.stream = Some(param.ty),
            Kind::State { ty, .. } => taken.state = Some(ty),
            Kind::Other => taken.state = Some(param.ty),
        }
    }

    if let (Some(init), None) = (&args.init, taken.state) {
        errors.at(
            init,
            "`init` builds a state, but the handler has no state parameter: add one after the event and the context, e.g. `state: &State`",
        );
    }

    Inputs::Event {
        event,
        context: taken.context,
        stream: taken.stream,
        state: taken.state,
    }
}

/// A parameter in its slot and in order: how it is taken. A context by `&` or by value, a
/// stream by `&mut`, a state by `&` and only with `init`.
fn check_taken(param: &Param<'_>, args: &Args, errors: &mut Errors) {
    match param.kind {
        Kind::Context {
            mutability: Some(mutability),
            arg,
        } => errors.at(
            mutability,
            if arg.durable {
                "the durable context is shared by the execution's operations: take it as `&DurableContext`"
            } else {
                "the context cannot be borrowed mutably: take `&Context`"
            },
        ),
        Kind::Context { .. } => {}
        Kind::Stream { mutable: false } => errors.at(
            param.ty,
            "the response stream is written to: take it as `&mut ResponseStream`",
        ),
        Kind::Stream { mutable: true } => {}
        Kind::State { .. } if !args.init_written => errors.at(
            param.ty,
            "a state parameter needs an `init` function that builds the state: add `#[handler(init = make_state)]`",
        ),
        Kind::State {
            mutability: Some(mutability),
            ..
        } => errors.at(
            mutability,
            "the state is shared by every invocation: take it as `&S` and use `Cell`, `Mutex` or atomics for what changes",
        ),
        Kind::State { .. } => {}
        Kind::Other => errors.at(
            param.ty,
            format_args!(
                "the state is built once and shared by every invocation: take it by reference, `&{}`",
                param.ty.to_token_stream()
            ),
        ),
    }
}

/// The reply: none from a handler that streams; any reply of an HTTP handler is a response.
fn output<'a>(sig: &Signature<'a>, inputs: &Inputs<'a>, errors: &mut Errors) -> Output<'a> {
    let (streams, http) = match inputs {
        Inputs::Event { event, stream, .. } => (stream.is_some(), matches!(event, Event::Http(_))),
        Inputs::Ruchy => (false, false),
    };
    let (Output::Reply(reply) | Output::Result { ok: reply, .. }) = &sig.output;
    if streams && !matches!(reply, Reply::Unit) {
        if let Some(ty) = sig.return_type {
            errors.at(
                ty,
                "a streaming handler writes its reply to the stream: return `()` or `Result<(), E>`",
            );
        }
    }
    if !http || streams {
        return sig.output;
    }
    // Whatever an HTTP handler returns is a response: `IntoResponse` decides.
    let http_reply = |reply: Reply<'a>| match reply {
        Reply::Json(ty) => Reply::Http(Some(ty)),
        Reply::Unit | Reply::Raw | Reply::Http(_) => Reply::Http(None),
    };
    match sig.output {
        Output::Reply(reply) => Output::Reply(http_reply(reply)),
        Output::Result { ok, err } => Output::Result {
            ok: http_reply(ok),
            err,
        },
    }
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
        // A response stream is a fourth parameter.
        assert_eq!(
            check(
                quote!(init = s),
                quote!(
                    fn h(e: Order, c: Context, o: &mut ResponseStream, s: &S) {}
                )
            ),
            Ok(())
        );
        assert_eq!(
            check(
                quote!(),
                quote!(
                    fn h(e: &str, o: &mut ResponseStream) -> Result<(), E> {
                        todo!()
                    }
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
                    async fn h(e: &str, s: &mut ResponseStream) {}
                ),
                "a handler that streams cannot be `async fn`",
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
            (
                quote!(),
                quote!(
                    fn h(e: &str, c: &mut Context) {}
                ),
                "the context cannot be borrowed mutably",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, s: &S, t: &S) {}
                ),
                "only one state parameter is allowed",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, s: &S, n: u32) {}
                ),
                "unexpected parameter",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, o: &mut ResponseStream, p: &mut ResponseStream) {}
                ),
                "the response stream is taken twice",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, s: &S, o: &mut ResponseStream) {}
                ),
                "the response stream comes before the state",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, o: &ResponseStream) {}
                ),
                "the response stream is written to",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, o: &mut ResponseStream, c: &Context) {}
                ),
                "the context comes before the response stream",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, o: &mut ResponseStream) -> String {
                        todo!()
                    }
                ),
                "a streaming handler writes its reply to the stream",
            ),
        ];
        for (args, function, expected) in cases {
            let errors = check(args, function.clone()).unwrap_err();
            assert_eq!(errors.len(), 1, "{function}: {errors:#?}");
            assert!(errors[0].starts_with(expected), "{function}: {errors:#?}");
            assert!(!errors[0].ends_with('.'), "{}", errors[0]);
        }
    }

    /// Within one parameter, the first rule broken is reported: too many, then taken twice, then
    /// out of order, then how it is taken.
    #[test]
    fn one_error_per_parameter_the_first_rule_broken() {
        let cases = [
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, c: &Context, s: &S, d: &mut Context) {}
                ),
                "too many parameters",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, c: &Context, d: &mut Context) {}
                ),
                "`Context` is taken twice",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, o: &mut ResponseStream, s: &S, c: &mut Context) {}
                ),
                "the context comes before the response stream",
            ),
            (
                quote!(init = i),
                quote!(
                    fn h(e: &str, s: &S, o: &ResponseStream) {}
                ),
                "the response stream comes before the state",
            ),
            (
                quote!(),
                quote!(
                    fn h(e: &str, s: &mut S) {}
                ),
                "a state parameter needs an `init` function",
            ),
            (
                quote!(),
                quote!(
                    fn h(c: &Context, d: &mut Context) {}
                ),
                "the event comes first",
            ),
        ];
        for (args, function, expected) in cases {
            let errors = check(args, function.clone()).unwrap_err();
            assert_eq!(errors.len(), 1, "{function}: {errors:#?}");
            assert!(errors[0].starts_with(expected), "{function}: {errors:#?}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = check(
            quote!(),
            quote!(
                unsafe fn main<T>((a, b): (u8, u8), s: &S) -> impl Sized {}
            ),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 6, "{errors:#?}");
    }
}
