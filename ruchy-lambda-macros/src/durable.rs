//! Durable handlers (`fn(input, &DurableContext, [&State])`, the `durable` feature): their
//! rules and their expansion, beside the other handlers' in `validate` and `expand`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use crate::ast::{ContextArg, Event, Output, Reply, Signature};
use crate::errors::Errors;
use crate::expand::{erase_lifetimes, respan, type_name};
use crate::validate::{Handler, Inputs};

/// The rules of a durable handler, when `inputs` takes a `&DurableContext`: each violation
/// reported on the user's token.
pub fn check(
    sig: &Signature<'_>,
    inputs: &Inputs<'_>,
    output: &Output<'_>,
    asyncness: Option<&syn::Token![async]>,
    errors: &mut Errors,
) {
    if let Inputs::Event {
        context: Some(context),
        stream,
        ..
    } = inputs
    {
        if context.durable {
            check_forms(context, *stream, asyncness, errors);
        }
    }
    if let Inputs::Event {
        context: Some(context),
        event,
        ..
    } = inputs
    {
        if context.durable {
            if let Some(ty) = sig.params.first().map(|p| p.ty) {
                match event {
                    Event::Bytes | Event::ByteVec | Event::Http(_) => errors.at(
                        ty,
                        "a durable handler's input is the execution's JSON input: take it as a type that implements `serde::Deserialize`, or as `&str`",
                    ),
                    Event::Str | Event::String | Event::Json(_) => {}
                }
            }
            if let Output::Result {
                ok: Reply::Http(_), ..
            }
            | Output::Reply(Reply::Http(_)) = *output
            {
                if let Some(ty) = sig.return_type {
                    errors.at(
                        ty,
                        "a durable handler's result is the execution's JSON result, not an HTTP response",
                    );
                }
            }
        }
    }
}

/// A durable handler (`fn(input, &DurableContext, [&State])`): its context by `&`, no response
/// stream (its reply is the execution's status), not `async` (its operations block, and suspend
/// by returning).
fn check_forms(
    context: &ContextArg<'_>,
    stream: Option<&Type>,
    asyncness: Option<&syn::Token![async]>,
    errors: &mut Errors,
) {
    if context.owned {
        errors.at(
            context.ty,
            "the durable context is shared by the execution's operations: take it as `&DurableContext`",
        );
    }
    if let Some(stream) = stream {
        errors.at(
            stream,
            "a durable handler does not stream: its reply is the execution's status; remove the response stream",
        );
    }
    if let Some(asyncness) = asyncness {
        errors.at(
            asyncness,
            "a durable handler is not `async fn`: its operations block until they are saved; remove `async`",
        );
    }
}

/// The loop body of a durable handler: the invocation's event is a durable execution's, the
/// handler gets the execution's input and the context, and the reply is the execution's status
/// (`ruchy_lambda::durable::execute`).
pub fn body(private: &TokenStream, handler: &Handler<'_>) -> TokenStream {
    let ident = handler.ident;
    let Inputs::Event {
        event,
        context: Some(context),
        state,
        ..
    } = &handler.inputs
    else {
        return TokenStream::new();
    };
    let input = match event {
        Event::Json(ty) => {
            let name = type_name(ty);
            let span = ty.span();
            let private = respan(private.clone(), span);
            quote_spanned! {span=>
                match #private::durable_input::<#ty>(__payload, #name) {
                    ::core::result::Result::Ok(__input) => __input,
                    ::core::result::Result::Err(__failed) => return __failed,
                }
            }
        }
        Event::String => quote!(::std::string::String::from(__payload.unwrap_or(""))),
        _ => quote!(__payload.unwrap_or("")),
    };
    let mut args = vec![input, quote_spanned!(context.ty.span()=> __durable)];
    args.extend(
        state.map(
            |state| quote_spanned!(state.span()=> #private::StateRef(__state).get::<#state>()),
        ),
    );
    let call = quote!(#ident(#(#args),*));
    let outcome = match &handler.output {
        Output::Result { ok, err } => {
            let error = quote_spanned! {err.span()=>
                {
                    #[allow(unused_imports)]
                    use #private::{ViaErrorType as _, ViaTypeName as _};
                    #[allow(unused_imports)]
                    use #private::{ViaError as _, ViaDynError as _, ViaDisplay as _};
                    #[allow(unused_imports)]
                    use #private::{ViaDurableError as _, ViaErrorObject as _, ViaDiagnostic as _};
                    let __diagnostic = (&&&#private::ErrorSources(&__error)).__with_causes(
                        #private::error_diagnostic(
                            &__error,
                            &(&#private::ErrorKind(&__error)).__error_type(),
                        ),
                    );
                    (&#private::DurableFailure(&__error)).__error_object(__diagnostic)
                }
            };
            let output = durable_output(private, ok);
            quote! {
                match #call {
                    ::core::result::Result::Ok(__output) => #output,
                    ::core::result::Result::Err(__error) => #private::HandlerOutcome::Failed(#error),
                }
            }
        }
        Output::Reply(ok) => {
            let output = durable_output(private, ok);
            quote! {
                let __output = #call;
                #output
            }
        }
    };
    quote! {
        #private::durable_invocation(__invocation, __reply, |__payload, __durable| {
            #outcome
        })
    }
}

/// A durable handler's result `__output` as the execution's (`HandlerOutcome`): a JSON type
/// checked on the user's type, so that one that is not `Serialize` is reported there.
fn durable_output(private: &TokenStream, reply: &Reply<'_>) -> TokenStream {
    match reply {
        Reply::Json(ty) | Reply::Http(Some(ty)) => {
            let span = ty.span();
            let ty = erase_lifetimes(ty.to_token_stream());
            let private = respan(private.clone(), span);
            quote_spanned!(span=> #private::durable_output::<#ty>(&__output))
        }
        Reply::Unit | Reply::Raw | Reply::Http(None) => {
            quote!(#private::durable_output(&__output))
        }
    }
}
