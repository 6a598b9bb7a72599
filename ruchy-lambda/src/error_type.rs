//! The `errorType` of a handler's error.

use std::borrow::Cow;

/// Chooses the `errorType` Lambda reports for an error a handler returns.
///
/// Without it, the `errorType` is the name of the error's type: the last segment of its path,
/// without generic arguments (`OrderError` for `shop::OrderError<u32>`), with two exceptions
/// for names that would say nothing:
///
/// - a type named `Error` keeps the module it comes from: `io::Error` for `std::io::Error`,
///   `anyhow::Error`, `serde_json::Error` (a module named `error` or `errors` is skipped: the
///   type is re-exported from its parent);
/// - a `Box` is named by what it holds: `OrderError` for `Box<OrderError>`, and `BoxError` for
///   `Box<dyn Error>` (with or without `+ Send + Sync`), whose type is known only at run time.
///
/// Implement it to choose another name, for instance one per variant:
///
/// ```
/// use std::fmt;
///
/// #[derive(Debug)]
/// enum OrderError {
///     Empty,
///     OutOfStock(u64),
/// }
///
/// impl fmt::Display for OrderError {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         match self {
///             OrderError::Empty => f.write_str("the order is empty"),
///             OrderError::OutOfStock(id) => write!(f, "item {id} is out of stock"),
///         }
///     }
/// }
///
/// impl ruchy_lambda::ErrorType for OrderError {
///     fn error_type(&self) -> &str {
///         match self {
///             OrderError::Empty => "Order.Empty",
///             OrderError::OutOfStock(_) => "Order.OutOfStock",
///         }
///     }
/// }
/// ```
///
/// The `errorMessage` is the error's [`Display`](std::fmt::Display) text, followed by its
/// causes (its [`source`](std::error::Error::source) chain) as `: cause` each: see
/// [Errors](crate#errors).
pub trait ErrorType {
    /// The `errorType` to report for this error.
    fn error_type(&self) -> &str;
}

/// `T`'s name as an `errorType`: the last segment of its path, without generic arguments or
/// references (`shop::OrderError<u32>` → `OrderError`, `&str` → `str`); a type named `Error`
/// with its module (`std::io::Error` → `io::Error`); a `Box` by what it holds (`Box<T>` as `T`,
/// `Box<dyn Error + Send + Sync>` → `BoxError`).
pub(crate) fn short_type_name<T: ?Sized>() -> Cow<'static, str> {
    short_name(std::any::type_name::<T>())
}

fn short_name(full: &str) -> Cow<'_, str> {
    let mut name = full.trim();
    while let Some(rest) = name.strip_prefix('&').or_else(|| name.strip_prefix("mut ")) {
        name = rest.trim_start();
    }
    if let Some(held) = name
        .strip_prefix("alloc::boxed::Box<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return match held.strip_prefix("dyn ") {
            // The type in the box is known only at run time: name the trait it is boxed as.
            Some(object) => {
                let bound = object.split(" + ").next().unwrap_or(object);
                let path = bound.split(['<', '(']).next().unwrap_or(bound);
                Cow::Owned(format!("Box{}", path.rsplit("::").next().unwrap_or(path)))
            }
            None => short_name(held),
        };
    }
    let path = name.split('<').next().unwrap_or(name);
    let mut segments = path.rsplit("::");
    let last = segments.next().unwrap_or(path);
    if last == "Error" {
        if let Some(module) = segments.find(|segment| !matches!(*segment, "error" | "errors")) {
            return Cow::Owned(format!("{module}::Error"));
        }
    }
    Cow::Borrowed(last)
}

#[cfg(feature = "aws")]
impl ErrorType for ruchy_lambda_aws::Error {
    /// AWS's error code, or `AwsError` for a call that got no answer from AWS.
    fn error_type(&self) -> &str {
        self.code().unwrap_or("AwsError")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short() {
        assert_eq!(short_name("shop::errors::OrderError"), "OrderError");
        assert_eq!(
            short_name("shop::OrderError<alloc::string::String>"),
            "OrderError"
        );
        assert_eq!(short_name("alloc::string::String"), "String");
        assert_eq!(short_name("&str"), "str");
        assert_eq!(short_name("&mut str"), "str");
        assert_eq!(short_name("&&mut &str"), "str");
        assert_eq!(short_name("Local"), "Local");
        assert!(matches!(short_name("shop::OrderError"), Cow::Borrowed(_)));
    }

    #[test]
    fn an_error_named_error_keeps_its_module() {
        assert_eq!(short_name("std::io::error::Error"), "io::Error");
        assert_eq!(short_name("core::fmt::Error"), "fmt::Error");
        assert_eq!(short_name("anyhow::Error"), "anyhow::Error");
        assert_eq!(short_name("serde_json::error::Error"), "serde_json::Error");
        assert_eq!(short_name("shop::Error<u32>"), "shop::Error");
        assert_eq!(short_name("shop::errors::Error"), "shop::Error");
        assert_eq!(short_name("&shop::Error"), "shop::Error");
        assert_eq!(short_name("Error"), "Error");
        assert_eq!(short_type_name::<std::io::Error>(), "io::Error");
        assert_eq!(short_type_name::<std::fmt::Error>(), "fmt::Error");
        assert_eq!(short_type_name::<serde_json::Error>(), "serde_json::Error");
    }

    #[test]
    fn a_box_is_named_by_what_it_holds() {
        use std::error::Error;
        assert_eq!(short_type_name::<Box<dyn Error>>(), "BoxError");
        assert_eq!(
            short_type_name::<Box<dyn Error + Send + Sync>>(),
            "BoxError"
        );
        assert_eq!(short_type_name::<Box<dyn Error + Send>>(), "BoxError");
        assert_eq!(
            short_type_name::<Box<dyn std::fmt::Display + Send>>(),
            "BoxDisplay"
        );
        assert_eq!(
            short_type_name::<Box<std::num::ParseIntError>>(),
            "ParseIntError"
        );
        assert_eq!(short_type_name::<Box<std::io::Error>>(), "io::Error");
        assert_eq!(short_type_name::<Box<Box<String>>>(), "String");
        assert_eq!(short_type_name::<Box<&str>>(), "str");
    }
}
