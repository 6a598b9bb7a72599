//! The settings of `map` and `parallel`: [`MapConfig`], [`ParallelConfig`], [`Nesting`], and
//! the branches of a `parallel` ([`branch`], [`named_branch`]).

use std::sync::Arc;

use super::batch_result::{BatchResult, CompletionConfig};
use super::serdes::SerDes;
use crate::context::DurableContext;
use crate::failure::DurableError;

pub(crate) type BranchFn<'a, R> =
    dyn Fn(&DurableContext) -> Result<R, DurableError> + Send + Sync + 'a;

/// One branch of a `parallel`: its code, and a name (`parallel-branch-N` by default).
pub struct ParallelBranch<'a, R> {
    pub(crate) name: Option<String>,
    pub(crate) run: Box<BranchFn<'a, R>>,
}

/// A branch of a `parallel`.
pub fn branch<'a, R>(
    f: impl Fn(&DurableContext) -> Result<R, DurableError> + Send + Sync + 'a,
) -> ParallelBranch<'a, R> {
    ParallelBranch {
        name: None,
        run: Box::new(f),
    }
}

/// A named branch of a `parallel`.
pub fn named_branch<'a, R>(
    name: impl Into<String>,
    f: impl Fn(&DurableContext) -> Result<R, DurableError> + Send + Sync + 'a,
) -> ParallelBranch<'a, R> {
    ParallelBranch {
        name: Some(name.into()),
        run: Box::new(f),
    }
}

type Namer<I> = dyn Fn(&I, usize) -> String + Send + Sync;

/// Whether each item (or branch) of a batch is a child context of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nesting {
    /// Each item runs in a child context of its own (sub-type `MapIteration` or
    /// `ParallelBranch`), checkpointed with its result. The default.
    #[default]
    Nested,
    /// Each item runs in a virtual context: its operations are numbered inside it but recorded
    /// under the batch's context, and nothing is checkpointed for the item itself (fewer
    /// operations; an item's result is kept only in the batch's).
    Flat,
}

/// A `map`'s settings: how many items at once, when it completes, how items are named, how
/// they nest, and how results are saved.
pub struct MapConfig<I, R = serde_json::Value> {
    pub(crate) max_concurrency: Option<usize>,
    pub(crate) completion: CompletionConfig,
    pub(crate) item_namer: Option<Box<Namer<I>>>,
    pub(crate) nesting: Nesting,
    pub(crate) item_serdes: Option<Arc<dyn SerDes<R>>>,
    pub(crate) serdes: Option<Arc<dyn SerDes<BatchResult<R>>>>,
}

impl<I, R> Default for MapConfig<I, R> {
    fn default() -> Self {
        MapConfig {
            max_concurrency: None,
            completion: CompletionConfig::new(),
            item_namer: None,
            nesting: Nesting::Nested,
            item_serdes: None,
            serdes: None,
        }
    }
}

impl<I, R> MapConfig<I, R> {
    /// Every item at once; the first failure ends the map; items named `map-item-N`.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `n` items run at once (at least 1).
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = Some(n);
        self
    }

    /// When the map completes.
    pub fn completion(mut self, completion: CompletionConfig) -> Self {
        self.completion = completion;
        self
    }

    /// Names each item's child context.
    pub fn item_namer(
        mut self,
        namer: impl Fn(&I, usize) -> String + Send + Sync + 'static,
    ) -> Self {
        self.item_namer = Some(Box::new(namer));
        self
    }

    /// Whether items are child contexts of their own ([`Nesting::Nested`], the default) or
    /// virtual ones ([`Nesting::Flat`]).
    pub fn nesting(mut self, nesting: Nesting) -> Self {
        self.nesting = nesting;
        self
    }

    /// Each item's result written by `serdes` (instead of JSON) in its checkpoint.
    pub fn item_serdes(mut self, serdes: Arc<dyn SerDes<R>>) -> Self {
        self.item_serdes = Some(serdes);
        self
    }

    /// The whole map's result written by `serdes` (instead of JSON) in its checkpoint.
    pub fn serdes(mut self, serdes: Arc<dyn SerDes<BatchResult<R>>>) -> Self {
        self.serdes = Some(serdes);
        self
    }
}

/// A `parallel`'s settings: how many branches at once, when it completes.
#[derive(Debug, Clone)]
pub struct ParallelConfig {
    pub(crate) max_concurrency: Option<usize>,
    pub(crate) completion: CompletionConfig,
    pub(crate) nesting: Nesting,
}

impl Default for ParallelConfig {
    fn default() -> Self {
        ParallelConfig {
            max_concurrency: None,
            completion: CompletionConfig::all_successful(),
            nesting: Nesting::Nested,
        }
    }
}

impl ParallelConfig {
    /// Every branch at once; every branch must succeed.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `n` branches run at once (at least 1).
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = Some(n);
        self
    }

    /// When the parallel completes.
    pub fn completion(mut self, completion: CompletionConfig) -> Self {
        self.completion = completion;
        self
    }

    /// Whether branches are child contexts of their own ([`Nesting::Nested`], the default) or
    /// virtual ones ([`Nesting::Flat`]).
    pub fn nesting(mut self, nesting: Nesting) -> Self {
        self.nesting = nesting;
        self
    }
}
