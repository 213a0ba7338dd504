"""`python -m newswatch.mocksite`: run the mock sites in the foreground for a manual demo."""

from __future__ import annotations

import argparse
import time

from newswatch.mocksite import MockSites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--newsprime-port", type=int, default=8801)
    parser.add_argument("--gwangju-port", type=int, default=8802)
    args = parser.parse_args()
    with MockSites(newsprime_port=args.newsprime_port, gwangju_port=args.gwangju_port) as sites:
        print(f"newsprime: {sites.newsprime_url}\ngwangju:   {sites.gwangju_url}\n(Ctrl-C stops)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
