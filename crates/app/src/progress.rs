//! Progress of long commands: a bar on a terminal, plain lines otherwise (logs, CI).

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressStyle};

/// Reports how far a long task has gone.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    done: u64,
    last_reported: u64,
}

impl Progress {
    /// A progress report for `total` items of `label`.
    pub fn new(label: &str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_owned());
            bar
        });
        Progress {
            bar,
            label: label.to_owned(),
            total,
            done: 0,
            last_reported: 0,
        }
    }

    /// `n` more items are done.
    pub fn advance(&mut self, n: u64) {
        self.done += n;
        match &self.bar {
            Some(bar) => bar.inc(n),
            None => {
                let step = (self.total / 10).max(1);
                if self.done >= self.last_reported + step || self.done == self.total {
                    self.last_reported = self.done;
                    eprintln!("{}: {}/{}", self.label, self.done, self.total);
                }
            }
        }
    }

    /// The task is over.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish();
        }
    }
}
