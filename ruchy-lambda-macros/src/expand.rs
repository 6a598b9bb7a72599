//! Expansion: the user's function, unchanged, and a `main` that runs it on the event loop.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, Path, Type};

use crate::ast::{ContextArg, Event, Output, Reply};
use crate::errors::Errors;
use crate::parse::{self, Args, Hooks};
use crate::validate::{self, Handler, Inputs};

/// `#[handler(args)] item`: parse, validate, expand; on error, the item unchanged, a stub `main`
/// and every error.
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    match checked(args, item.clone()) {
        Ok(main) => quote!(#item #main),
        Err(error) => with_error(item, error),
    }
}

/// The generated `main`, or every problem found in the input: those of the options and those
/// of the function, together.
fn checked(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let args = parse::args_recovering(args, &mut errors);
    let function = errors.take(parse::function(item));
    if let (Some(args), Some(function)) = (&args, &function) {
        if let Some(handler) = errors.take(validate::handler(args, function)) {
            return errors.finish(main(args, &handler));
        }
    }
    errors.finish(TokenStream::new())
}

/// The user's item as written, the errors, and `fn main() {}` so that rustc reports only our
/// errors and not also a missing `main`.
///
/// A function that rustc would reject anyway for the same reason we did (a `self` or variadic
/// parameter outside an `impl` or `extern` block), or that would clash with the stub (one named
/// `main`), is left out, so that each problem is reported once.
fn with_error(item: TokenStream, error: syn::Error) -> TokenStream {
    let errors = error.into_compile_error();
    let dropped = syn::parse2::<ItemFn>(item.clone()).is_ok_and(|f| {
        f.sig.ident == "main" || f.sig.receiver().is_some() || f.sig.variadic.is_some()
    });
    let item = (!dropped).then_some(item);
    quote!(#item fn main() {} #errors)
}

/// `fn main`, running the handler on `run` (or `run_with_init`, with a state).
fn main(args: &Args, handler: &Handler<'_>) -> TokenStream {
    let default_crate: Path = syn::parse_quote!(::ruchy_lambda);
    let krate = args.krate.as_ref().unwrap_or(&default_crate);
    let private = quote!(#krate::__private);
    let body = invocation_body(&private, handler);
    // A handler that streams gets a `__stream` where the others get a `__reply` buffer.
    let streams = matches!(
        handler.inputs,
        Inputs::Event {
            stream: Some(_),
            ..
        }
    );
    let (run, out) = if streams {
        (quote!(run_streaming), quote!(__stream))
    } else {
        (quote!(run), quote!(__reply))
    };
    // An `async fn` handler: tokio's runtime is made before `init` and the first event.
    let start = handler
        .asyncness
        .map(|_| quote!(#private::start_runtime();));
    if handler.init.is_none() && !args.hooks.any() {
        return quote! {
            fn main() -> ::std::process::ExitCode {
                #start
                #private::#run(|__invocation, #out| { #body })
            }
        };
    }
    let build = match handler.init {
        Some(init) => quote_spanned! {init.span()=>
            {
                // One of the two is used, depending on what `init` returns.
                #[allow(unused_imports)]
                use #private::{InitResult as _, InitValue as _};
                // An `async fn` init (a future) is awaited first; the others pass as they are.
                #[allow(unused_imports)]
                use #private::{AwaitFuture as _, AwaitValue as _};
                let __state = #init();
                let __state = (&__state).__await_kind().resolve(__state);
                (&__state).__init_kind().into_init(__state)
            }
        },
        // Hooks without `init`: the state is `()`, and each hook takes nothing.
        None => quote!(::core::result::Result::Ok::<(), #private::Diagnostic>(())),
    };
    let lifecycle = lifecycle(&private, &args.hooks, handler.init.is_some());
    // The state is shared by the workers when it is `Sync`; otherwise one worker runs
    // (autoref specialization on the type `init` builds).
    quote! {
        fn main() -> ::std::process::ExitCode {
            #start
            let __init = || #build;
            let __lifecycle = #lifecycle;
            #[allow(unused_imports)]
            use #private::{ShareableState as _, UnshareableState as _};
            (&#private::Workers::of(&__init)).__workers().#run(
                __init,
                __lifecycle,
                |__state, __invocation, #out| { #body },
            )
        }
    }
}

/// The `Lifecycle` with the hooks given, each checked through `StateHook` or `PlainHook` and
/// spanned on the user's path, so that a hook of the wrong shape is reported there.
fn lifecycle(private: &TokenStream, hooks: &Hooks, with_state: bool) -> TokenStream {
    let call = |path: &syn::ExprPath| {
        let private = respan(private.clone(), path.span());
        if with_state {
            quote_spanned! {path.span()=>
                |__state| #private::StateHook::run(&#path, __state)
            }
        } else {
            quote_spanned! {path.span()=>
                |_| #private::PlainHook::run(&#path)
            }
        }
    };
    let mut lifecycle = quote!(#private::Lifecycle::of(&__init));
    if let Some(path) = &hooks.before_snapshot {
        let hook = call(path);
        lifecycle = quote!(#lifecycle.before_snapshot(#hook));
    }
    if let Some(path) = &hooks.after_restore {
        let hook = call(path);
        lifecycle = quote!(#lifecycle.after_restore(#hook));
    }
    if let Some(path) = &hooks.shutdown {
        let hook = call(path);
        // The whole call on the user's path: a state that is not `Sync` is reported there.
        let with_shutdown = respan(quote!(#private::with_shutdown), path.span());
        lifecycle = quote_spanned! {path.span()=> #with_shutdown(#lifecycle, #hook)};
    }
    lifecycle
}

/// `tokens` with every span set to `span`.
pub(crate) fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// The loop body: `__invocation` and `__reply` in, `Result<(), Diagnostic>` out.
fn invocation_body(private: &TokenStream, handler: &Handler<'_>) -> TokenStream {
    if let Inputs::Event {
        context: Some(context),
        ..
    } = &handler.inputs
    {
        if context.durable {
            return crate::durable::body(private, handler);
        }
    }
    let ident = handler.ident;
    // An HTTP event is taken apart before the call: the request for the handler, and how the
    // front that sent it wants the reply.
    let prelude = match &handler.inputs {
        Inputs::Event {
            event: Event::Http(ty),
            ..
        } => quote_spanned! {ty.span()=>
            let (__http_request, __http_reply) = #private::http_request(__invocation)?;
        },
        _ => TokenStream::new(),
    };
    let call = match &handler.inputs {
        Inputs::Ruchy => quote! {
            #ident(&__invocation.context.request_id, #private::event_str(__invocation)?)
        },
        Inputs::Event {
            event,
            context,
            stream,
            state,
        } => {
            let mut args = vec![event_arg(private, event)];
            args.extend(context.as_ref().map(context_arg));
            args.extend(stream.map(|ty| quote_spanned!(ty.span()=> __stream)));
            args.extend(state.map(
                |state| quote_spanned!(state.span()=> #private::StateRef(__state).get::<#state>()),
            ));
            quote!(#ident(#(#args),*))
        }
    };
    // An `async fn`: its future driven to its end on tokio, from this worker's thread. Spanned
    // on `async`, where a build without the `tokio` feature is reported.
    let call = match handler.asyncness {
        Some(asyncness) => {
            let private = respan(private.clone(), asyncness.span());
            quote_spanned!(asyncness.span()=> {
                let __future = #call;
                #private::block_on(__future)
            })
        }
        None => call,
    };
    match &handler.output {
        Output::Result { ok, err } => {
            let ok = reply(private, ok);
            let error = quote_spanned! {err.span()=>
                {
                    // One of each group is used: the `errorType` depends on whether the error
                    // implements `ErrorType`, its causes on whether it is an `Error`, derefs to
                    // a `dyn Error`, or neither.
                    #[allow(unused_imports)]
                    use #private::{ViaErrorType as _, ViaTypeName as _};
                    #[allow(unused_imports)]
                    use #private::{ViaError as _, ViaDynError as _, ViaDisplay as _};
                    (&&&#private::ErrorSources(&__error)).__with_causes(
                        #private::error_diagnostic(
                            &__error,
                            &(&#private::ErrorKind(&__error)).__error_type(),
                        ),
                    )
                }
            };
            quote! {
                #prelude
                match #call {
                    ::core::result::Result::Ok(__output) => { #ok }
                    ::core::result::Result::Err(__error) => ::core::result::Result::Err(#error),
                }
            }
        }
        Output::Reply(output) => {
            let reply = reply(private, output);
            quote! {
                #prelude
                let __output = #call;
                #reply
            }
        }
    }
}

/// The event argument, from `__invocation`.
fn event_arg(private: &TokenStream, event: &Event<'_>) -> TokenStream {
    match event {
        Event::Str => quote!(#private::event_str(__invocation)?),
        Event::Bytes => quote!(__invocation.body.as_slice()),
        Event::Http(ty) => quote_spanned!(ty.span()=> __http_request),
        Event::String => quote!(#private::event_string(__invocation)?),
        Event::ByteVec => quote!(::core::clone::Clone::clone(&__invocation.body)),
        Event::Json(ty) => {
            let name = type_name(ty);
            let ty_span = ty.span();
            // A named function, so that an event that cannot borrow from the body for as long as
            // it is parsed (a `&'static str` field) is reported with the lifetime `'invocation`:
            // the event lives as long as the invocation, not `'static`.
            let ty = erase_lifetimes(ty.to_token_stream());
            let private = respan(private.clone(), ty_span);
            quote_spanned! {ty_span=>
                {
                    // The event type is written as the user wrote it (`Batch<'_>`, `Batch`):
                    // its lifetime is the input's, whatever the syntax.
                    #[allow(unknown_lints, mismatched_lifetime_syntaxes)]
                    fn __event<'invocation>(
                        event_body: &'invocation [u8],
                    ) -> ::core::result::Result<#ty, #private::Diagnostic> {
                        #private::event_json::<#ty>(event_body, #name)
                    }
                    __event(&__invocation.body)?
                }
            }
        }
    }
}

/// The context argument, spanned on the user's type so a different `Context` is reported there.
fn context_arg(context: &ContextArg<'_>) -> TokenStream {
    let ty = context.ty;
    if context.owned {
        quote_spanned!(ty.span()=> ::core::clone::Clone::clone(&__invocation.context))
    } else {
        quote_spanned!(ty.span()=> &__invocation.context)
    }
}

/// Writes `__output` into `__reply`; evaluates to `Result<(), Diagnostic>`.
fn reply(private: &TokenStream, reply: &Reply<'_>) -> TokenStream {
    match reply {
        Reply::Unit => quote! {
            let () = __output;
            ::core::result::Result::Ok(())
        },
        Reply::Raw => quote! {
            #private::write_raw(::core::convert::AsRef::<[u8]>::as_ref(&__output), __reply);
            ::core::result::Result::Ok(())
        },
        Reply::Http(Some(ty)) => quote_spanned! {ty.span()=>
            #private::http_reply(__http_reply, __output, __reply)
        },
        Reply::Http(None) => quote!(#private::http_reply(__http_reply, __output, __reply)),
        Reply::Json(ty) => {
            let name = type_name(ty);
            let span = ty.span();
            let ty = erase_lifetimes(ty.to_token_stream());
            quote_spanned!(span=> #private::write_json::<#ty>(&__output, __reply, #name))
        }
    }
}

/// `tokens` (a type) with every named lifetime but `'static` made `'_`: a handler's own
/// lifetime parameters (`fn handle<'a>(batch: Batch<'a>) -> Summary<'a>`) are not in scope in
/// `main`, where each is inferred.
pub(crate) fn erase_lifetimes(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut after_quote = false;
    for tree in tokens {
        let tree = match tree {
            TokenTree::Group(group) => {
                let mut erased =
                    proc_macro2::Group::new(group.delimiter(), erase_lifetimes(group.stream()));
                erased.set_span(group.span());
                TokenTree::Group(erased)
            }
            TokenTree::Ident(ident) if after_quote && ident != "static" => {
                TokenTree::Ident(proc_macro2::Ident::new("_", ident.span()))
            }
            other => other,
        };
        after_quote = matches!(&tree, TokenTree::Punct(p) if p.as_char() == '\'' && p.spacing() == proc_macro2::Spacing::Joint);
        out.push(tree);
    }
    out.into_iter().collect()
}

/// The type as the user wrote it, for messages: `Vec<Order>`, `&'static str`.
pub(crate) fn type_name(ty: &Type) -> String {
    let mut name = String::new();
    write_tokens(ty.to_token_stream(), &mut name);
    name
}

fn write_tokens(tokens: TokenStream, out: &mut String) {
    let is_word = |out: &String| out.ends_with(|c: char| c.is_alphanumeric() || c == '_');
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(group.stream(), out);
                out.push_str(close);
            }
            TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                if punct.as_char() == ',' || punct.as_char() == ';' {
                    out.push(' ');
                }
            }
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if is_word(out) {
                    out.push(' ');
                }
                out.push_str(&token.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(args: TokenStream, item: TokenStream) -> String {
        handler(args, item).to_string()
    }

    #[test]
    fn type_names_read_as_written() {
        let name = |ty: TokenStream| type_name(&syn::parse2(ty).unwrap());
        assert_eq!(name(quote!(Order)), "Order");
        assert_eq!(name(quote!(Vec<Order>)), "Vec<Order>");
        assert_eq!(name(quote!(&'static str)), "&'static str");
        assert_eq!(
            name(quote!(std::collections::HashMap<String, (u8, [u8; 4])>)),
            "std::collections::HashMap<String, (u8, [u8; 4])>"
        );
        assert_eq!(name(quote!(&mut dyn Trait)), "&mut dyn Trait");
    }

    #[test]
    fn the_function_is_kept_and_main_added() {
        let out = expand(
            quote!(),
            quote!(
                fn handle(event: &str) -> String {
                    event.into()
                }
            ),
        );
        assert!(out.starts_with("fn handle (event : & str) -> String { event . into () }"));
        assert!(out.contains("fn main () -> :: std :: process :: ExitCode"));
        assert!(out.contains(":: ruchy_lambda :: __private :: run (| __invocation , __reply |"));
    }

    #[test]
    fn named_lifetimes_are_inferred_in_main() {
        let erased = |ty: TokenStream| erase_lifetimes(ty).to_string();
        assert_eq!(erased(quote!(Batch<'a>)), quote!(Batch<'_>).to_string());
        assert_eq!(
            erased(quote!(Vec<(Summary<'a, 'b>, &'static str, &'a [u8])>)),
            quote!(Vec<(Summary<'_, '_>, &'static str, &'_ [u8])>).to_string()
        );
        assert_eq!(erased(quote!(Order)), "Order");
    }

    #[test]
    fn the_crate_can_be_renamed() {
        let out = expand(
            quote!(crate = "lambda"),
            quote!(
                fn handle(event: Order) -> Receipt {
                    todo!()
                }
            ),
        );
        assert!(
            out.contains("lambda :: __private :: event_json :: < Order > (event_body , \"Order\")")
        );
        assert!(out.contains("lambda :: __private :: write_json :: < Receipt >"));
        assert!(!out.contains("ruchy_lambda"));
    }

    #[test]
    fn init_runs_through_run_with_init() {
        let out = expand(
            quote!(init = make_state),
            quote!(
                fn handle(event: &str, ctx: &Context, state: &State) {}
            ),
        );
        assert!(out.contains("let __init = || {"));
        assert!(out.contains("Workers :: of (& __init)) . __workers () . run (__init ,"));
        assert!(out.contains("let __state = make_state () ;"));
        assert!(out.contains("StateRef (__state) . get :: < State > ()"));
    }

    #[test]
    fn errors_keep_the_function_and_stub_main() {
        let out = expand(
            quote!(),
            quote!(
                unsafe fn handle(event: &str) {}
            ),
        );
        assert!(out.starts_with("unsafe fn handle (event : & str) { } fn main () { }"));
        assert!(out.contains("compile_error !"));
        let out = expand(
            quote!(),
            quote!(
                fn main(event: &str) -> String {
                    todo!()
                }
            ),
        );
        assert_eq!(out.matches("fn main").count(), 1, "{out}");
        assert!(!out.contains("String"), "{out}");
    }

    #[test]
    fn errors_of_the_options_and_of_the_item_come_together() {
        let out = expand(
            quote!(nope = 1),
            quote!(
                struct Order;
            ),
        );
        assert_eq!(out.matches("compile_error !").count(), 2, "{out}");
        let out = expand(
            quote!(nope = 1),
            quote!(
                unsafe fn handle(e: &str) {}
            ),
        );
        assert_eq!(out.matches("compile_error !").count(), 2, "{out}");
    }

    #[test]
    fn async_handlers_are_driven_on_the_runtime_made_first() {
        let out = expand(
            quote!(init = make_client),
            quote!(
                async fn handle(event: Order, ctx: &Context, client: &Client) -> Receipt {
                    todo!()
                }
            ),
        );
        let start = out.find("start_runtime () ;").expect(&out);
        assert!(start < out.find("let __init").unwrap(), "{out}");
        assert!(
            out.contains("let __future = handle (") && out.contains("block_on (__future)"),
            "{out}"
        );
        // Any `init` may be a future: awaited before it is a state or a `Result`.
        assert!(
            out.contains("(& __state) . __await_kind () . resolve (__state)"),
            "{out}"
        );
        // A blocking handler makes no runtime and blocks on nothing.
        let out = expand(
            quote!(),
            quote!(
                fn handle(event: &str) {}
            ),
        );
        assert!(
            !out.contains("block_on") && !out.contains("start_runtime"),
            "{out}"
        );
    }
}
