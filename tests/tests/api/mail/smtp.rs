//! An SMTP server for the tests: it speaks the protocol over TCP on loopback (greeting, EHLO,
//! MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps what it receives, and can be
//! stopped and started again on the same port to play a server that goes down.

use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use mail_parser::MessageParser;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// A mail as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// Subject, decoded.
    pub subject: String,
    /// `Message-ID`, without its angle brackets.
    pub message_id: String,
    /// The plain text part, decoded.
    pub text: String,
    /// The HTML part, decoded.
    pub html: String,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    refused: Mutex<HashSet<String>>,
}

/// The server.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Starts a server on a free port.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let shared = Arc::new(Shared::default());
        let task = Some(tokio::spawn(accept(listener, shared.clone())));
        SmtpSink { addr, shared, task }
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP, as on loopback).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Stops answering: the port refuses connections until [`SmtpSink::resume`].
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn resume(&mut self) {
        let mut listener = None;
        for _ in 0..50 {
            match TcpListener::bind(self.addr).await {
                Ok(bound) => {
                    listener = Some(bound);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let listener = listener.expect("bind the same port again");
        self.task = Some(tokio::spawn(accept(listener, self.shared.clone())));
    }

    /// Answers 550 to `RCPT TO` for this address.
    pub fn refuse(&self, address: &str) {
        self.shared
            .refused
            .lock()
            .expect("lock")
            .insert(address.to_lowercase());
    }

    /// Takes mail for this address again.
    pub fn accept(&self, address: &str) {
        self.shared
            .refused
            .lock()
            .expect("lock")
            .remove(&address.to_lowercase());
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("lock").clone()
    }

    /// The mails received for `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits until `count` mails have arrived for `address` (at most 20 s), then returns them.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Received> {
        for _ in 0..400 {
            let mails = self.to(address);
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{count} mail(s) expected for {address}, received: {:#?}",
            self.received()
                .iter()
                .map(|m| (&m.to, &m.subject))
                .collect::<Vec<_>>()
        );
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        sessions.spawn(session(stream, shared.clone()));
    }
}

fn address(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |i| i + 1);
    let end = argument.rfind('>').unwrap_or(argument.len());
    argument[start..end].trim().to_lowercase()
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut recipients = Vec::new();
    let reply = |text: &'static str| text.as_bytes();
    if write
        .write_all(reply("220 sink.test ESMTP\r\n"))
        .await
        .is_err()
    {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let verb = command.get(..4).unwrap_or(&command).to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => reply("250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"),
            "HELO" => reply("250 sink.test\r\n"),
            "MAIL" => {
                recipients.clear();
                reply("250 OK\r\n")
            }
            "RCPT" => {
                let to = address(&command);
                if shared.refused.lock().expect("lock").contains(&to) {
                    reply("550 5.1.1 mailbox unavailable\r\n")
                } else {
                    recipients.push(to);
                    reply("250 OK\r\n")
                }
            }
            "DATA" => {
                if write.write_all(reply("354 go ahead\r\n")).await.is_err() {
                    return;
                }
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    match lines.read_until(b'\n', &mut raw).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if raw == b".\r\n" || raw == b".\n" {
                        break;
                    }
                    let unstuffed = if raw.starts_with(b"..") {
                        &raw[1..]
                    } else {
                        &raw[..]
                    };
                    data.extend_from_slice(unstuffed);
                }
                store(&shared, std::mem::take(&mut recipients), &data);
                reply("250 OK queued\r\n")
            }
            "RSET" => {
                recipients.clear();
                reply("250 OK\r\n")
            }
            "NOOP" => reply("250 OK\r\n"),
            "QUIT" => {
                let _ = write.write_all(reply("221 bye\r\n")).await;
                return;
            }
            _ => reply("502 command not implemented\r\n"),
        };
        if write.write_all(answer).await.is_err() {
            return;
        }
    }
}

fn store(shared: &Shared, to: Vec<String>, data: &[u8]) {
    let message = MessageParser::default()
        .parse(data)
        .expect("a parsable mail");
    let received = Received {
        to,
        subject: message.subject().unwrap_or_default().to_owned(),
        message_id: message.message_id().unwrap_or_default().to_owned(),
        text: message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        html: message
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
    };
    shared.received.lock().expect("lock").push(received);
}
