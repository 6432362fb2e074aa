//! The benchmarks' Stytch-like server as a program, for `bench/peers.sh`: serves the two
//! responses of the seed workflow on `127.0.0.1:PORT` (default 8787) until it is killed.
//! `--open` accepts requests without credentials (for runners that send none).

fn main() -> std::io::Result<()> {
    let mut port = 8787;
    let mut open = false;
    for arg in std::env::args().skip(1) {
        if arg == "--open" {
            open = true;
        } else {
            port = arg
                .parse()
                .map_err(|_| std::io::Error::other(format!("not a port: {arg}")))?;
        }
    }
    let address = arazzo_bench::start(port, !open)?;
    println!("listening on http://{address}");
    loop {
        std::thread::park();
    }
}
