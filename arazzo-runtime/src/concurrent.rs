//! Steps that run at once, for workflows whose steps declare `dependsOn` (Arazzo 1.1): each
//! step is a plain future that waits for the [`Slot`]s of the steps it depends on, runs, and
//! fills its own; [`join`] polls them all in the caller's task and stops at the first error.
//!
//! No task is spawned and no executor API is used: the futures run wherever the workflow's
//! future is polled, and dropping it drops every step still in flight.
//!
//! Called by generated code; not part of the public API.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::Error;

/// The outputs of one step, once it has completed; the steps that depend on it wait for them.
#[doc(hidden)]
pub struct Slot<T> {
    value: OnceLock<T>,
    /// The steps waiting for the value, woken when it is set.
    waiting: Mutex<Vec<Waker>>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> std::fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("completed", &self.value.get().is_some())
            .finish()
    }
}

impl<T> Slot<T> {
    /// An empty slot: its step has not completed.
    pub fn new() -> Self {
        Self {
            value: OnceLock::new(),
            waiting: Mutex::new(Vec::new()),
        }
    }

    /// Records the step's outputs and wakes the steps waiting for them. A step completes once:
    /// a second value is ignored.
    pub fn set(&self, value: T) {
        let _ = self.value.set(value);
        let waiting =
            std::mem::take(&mut *self.waiting.lock().unwrap_or_else(PoisonError::into_inner));
        for waker in waiting {
            waker.wake();
        }
    }

    /// Waits until the step has completed; answers its outputs.
    pub fn wait(&self) -> Wait<'_, T> {
        Wait { slot: self }
    }

    /// The outputs, after every step completed.
    ///
    /// # Errors
    /// [`Error::Unfinished`] if the step has not completed, which generated code never asks
    /// for: it takes the outputs only after [`join`] answered `Ok`.
    pub fn into_value(self, step: &'static str) -> Result<T, Error> {
        self.value.into_inner().ok_or(Error::Unfinished { step })
    }
}

/// The future of [`Slot::wait`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'s, T> {
    slot: &'s Slot<T>,
}

impl<'s, T> Future for Wait<'s, T> {
    type Output = &'s T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'s T> {
        let slot = self.slot;
        if let Some(value) = slot.value.get() {
            return Poll::Ready(value);
        }
        let mut waiting = slot.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        // Set between the check above and the lock: `set` has already woken the others.
        if let Some(value) = slot.value.get() {
            return Poll::Ready(value);
        }
        if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
            waiting.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// One step's future, as [`join`] takes it.
#[doc(hidden)]
pub struct Step<'a>(Option<Pin<&'a mut (dyn Future<Output = Result<(), Error>> + Send + 'a)>>);

impl std::fmt::Debug for Step<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Step")
            .field(&if self.0.is_some() { "running" } else { "done" })
            .finish()
    }
}

/// A step's future, pinned where the workflow's function declares it.
#[doc(hidden)]
pub fn step<'a, F>(future: Pin<&'a mut F>) -> Step<'a>
where
    F: Future<Output = Result<(), Error>> + Send + 'a,
{
    Step(Some(future))
}

/// Runs the steps at once: answers `Ok` when every one completed, or the first error, at which
/// point the steps still running are no longer polled (the caller drops them).
#[doc(hidden)]
pub fn join<const N: usize>(steps: [Step<'_>; N]) -> Join<'_, N> {
    Join { steps }
}

/// The future of [`join`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, const N: usize> {
    steps: [Step<'a>; N],
}

impl<const N: usize> Future for Join<'_, N> {
    type Output = Result<(), Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut running = false;
        for step in &mut self.steps {
            let Some(future) = &mut step.0 else { continue };
            match future.as_mut().poll(cx) {
                Poll::Ready(Ok(())) => step.0 = None,
                Poll::Ready(Err(error)) => {
                    // Fail fast: the others are not polled again.
                    self.steps.iter_mut().for_each(|s| s.0 = None);
                    return Poll::Ready(Err(error));
                }
                Poll::Pending => running = true,
            }
        }
        if running {
            Poll::Pending
        } else {
            Poll::Ready(Ok(()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_step_starts_when_the_one_it_waits_for_completes() {
        let first: Slot<u32> = Slot::new();
        let second: Slot<u32> = Slot::new();
        {
            let a = std::pin::pin!(async {
                tokio::task::yield_now().await;
                first.set(1);
                Ok(())
            });
            let b = std::pin::pin!(async {
                let value = *first.wait().await;
                second.set(value + 1);
                Ok(())
            });
            join([step(b), step(a)]).await.expect("both complete");
        }
        assert_eq!(second.into_value("b").expect("set"), 2);
        assert_eq!(first.into_value("a").expect("set"), 1);
    }

    #[tokio::test]
    async fn the_first_error_stops_the_others() {
        let never: Slot<()> = Slot::new();
        let error = {
            let waits = std::pin::pin!(async {
                never.wait().await;
                Ok(())
            });
            let fails = std::pin::pin!(async { Err(Error::Unfinished { step: "fails" }) });
            join([step(waits), step(fails)]).await.expect_err("fails")
        };
        assert!(matches!(error, Error::Unfinished { step: "fails" }));
        assert!(matches!(
            never.into_value("never"),
            Err(Error::Unfinished { step: "never" })
        ));
    }
}
