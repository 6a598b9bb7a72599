//! The `errorType` of a handler's error.

/// Chooses the `errorType` Lambda reports for an error a handler returns.
///
/// Without it, the `errorType` is the name of the error's type: the last segment of its path,
/// without generic arguments (`OrderError` for `shop::OrderError<u32>`). Implement it to choose
/// another name, for instance one per variant:
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
/// The `errorMessage` is always the error's [`Display`](std::fmt::Display) text.
pub trait ErrorType {
    /// The `errorType` to report for this error.
    fn error_type(&self) -> &str;
}

/// The last path segment of `T`'s name, without generic arguments or references:
/// `shop::OrderError<u32>` → `OrderError`, `&str` → `str`.
pub(crate) fn short_type_name<T: ?Sized>() -> &'static str {
    short_name(std::any::type_name::<T>())
}

fn short_name(full: &str) -> &str {
    let path = full.split('<').next().unwrap_or(full);
    let last = path.rsplit("::").next().unwrap_or(path);
    last.trim_start_matches('&')
        .trim_start_matches("mut ")
        .trim()
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
        assert_eq!(
            short_name("alloc::boxed::Box<dyn core::error::Error>"),
            "Box"
        );
        assert_eq!(short_name("Local"), "Local");
        assert_eq!(short_type_name::<std::io::Error>(), "Error");
    }
}
