#!/usr/bin/env python3
"""Independent reference implementation of Swedish and Norwegian personal identity numbers.

Written from the published rules (Skatteverket SKV 704 for personnummer/samordningsnummer,
Skatteetaten's folkeregister rules for fødselsnummer/D-number, Tenor/NAV synthetic numbers),
standard library only, deliberately NOT a translation of the Swift code: different formulations
of the same rules (age-based century search, Luhn from the right, mod-11 "weighted sum including
the check digit is divisible by 11").

It generates a large, seeded set of inputs (exhaustive check digits over many dates, invalid dates,
separators, '+' forms, coordination/D-numbers, synthetic months, random junk) and prints one verdict
per line, tab-separated:

    kind  input-as-utf8-hex  verdict  normalized  birthdate  masked-number  masked-input  coord  synthetic

verdict is "valid" or the reason: characters, length, date, checksum (first failing, in that order).
For invalid input normalized/birthdate/masked-number/coord/synthetic are "-".

Usage: reference_numbers.py --today YYYY-MM-DD [--seed N] [--scale N]
"""
import argparse
import datetime
import random
import sys

WHITESPACE = {" ", "\t", "\r", "\n", "\u00a0"}
DASHES = {"-", "\u2010", "\u2011", "\u2013", "\u2212"}


def scan(text):
    digits, plus, foreign = [], 0, False
    for ch in text:
        if ch in "0123456789":
            digits.append(ch)
        elif ch in WHITESPACE or ch in DASHES:
            pass
        elif ch == "+":
            plus += 1
        else:
            foreign = True
    return "".join(digits), plus, foreign


def real_date(y, m, d):
    try:
        return datetime.date(y, m, d)
    except ValueError:
        return None


# ---------------------------------------------------------------- Sweden

def luhn_ok(ten):
    total = 0
    for pos, ch in enumerate(reversed(ten)):
        n = int(ch)
        if pos % 2 == 1:
            n *= 2
            if n > 9:
                n = n // 10 + n % 10
        total += n
    return total % 10 == 0


def age_on(today, y, m, d):
    """Completed years on `today` for someone born y-m-d (works for impossible dates too)."""
    return today.year - y - (1 if (today.month, today.day) < (m, d) else 0)


def se_check(text, today):
    digits, plus, foreign = scan(text)
    if foreign or plus > 1:
        return ("characters",)
    if len(digits) not in (10, 12):
        return ("length",)
    if plus and len(digits) == 12:
        return ("characters",)
    ten = digits[-10:]
    month, dd = int(ten[2:4]), int(ten[4:6])
    coordination = dd >= 61
    day = dd - 60 if coordination else dd
    if len(digits) == 12:
        year = int(digits[:4])
    else:
        yy = int(ten[:2])
        wanted = range(100, 200) if plus else range(0, 100)
        matches = [y for y in range(today.year - 200, today.year + 1)
                   if y % 100 == yy and age_on(today, y, month, day) in wanted]
        if len(matches) != 1:
            raise SystemExit("century search ambiguous for %r" % text)
        year = matches[0]
    born = real_date(year, month, day) if year >= 1800 else None
    if born is None or born > today:
        return ("date",)
    if not luhn_ok(ten):
        return ("checksum",)
    normalized = "%02d%s" % (year // 100, ten)
    return ("valid", normalized, born.isoformat(), normalized[:8] + "****", coordination, False)


def se_mask(text):
    digits = [c for c in text if c in "0123456789"]
    n = len(digits)
    shown = 8 if n >= 12 else (6 if n >= 10 else 0)
    return "".join(digits[:shown]) + "*" * min(n - shown, 16)


# ---------------------------------------------------------------- Norway

CENTURY_TABLE = [  # (first individual, last individual, first yy, last yy, century)
    (0, 499, 0, 99, 1900),
    (500, 749, 54, 99, 1800),
    (500, 999, 0, 39, 2000),
    (900, 999, 40, 99, 1900),
]
W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def no_check(text, today):
    digits, plus, foreign = scan(text)
    if foreign or plus:
        return ("characters",)
    if len(digits) != 11:
        return ("length",)
    dd, mm, yy, ind = int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6:9])
    d_number = dd >= 41
    day = dd - 40 if d_number else dd
    synthetic = False
    month = mm
    for offset in (40, 80):
        if offset + 1 <= mm <= offset + 12:
            month, synthetic = mm - offset, True
    centuries = [c for (lo, hi, ylo, yhi, c) in CENTURY_TABLE if lo <= ind <= hi and ylo <= yy <= yhi]
    born = real_date(centuries[0] + yy, month, day) if centuries else None
    if born is None or born > today:
        return ("date",)
    nums = [int(c) for c in digits]
    if sum(w * n for w, n in zip(W1, nums[:10])) % 11 or sum(w * n for w, n in zip(W2, nums)) % 11:
        return ("checksum",)
    return ("valid", digits, born.isoformat(), digits[:6] + "*****", d_number, synthetic)


def no_mask(text):
    digits = [c for c in text if c in "0123456789"]
    n = len(digits)
    shown = 6 if n >= 11 else 0
    return "".join(digits[:shown]) + "*" * min(n - shown, 16)


# ---------------------------------------------------------------- generation

def days(start, end, step):
    current = start
    while current <= end:
        yield current
        current += datetime.timedelta(days=step)


def luhn_digit(nine):
    for c in "0123456789":
        if luhn_ok(nine + c):
            return c
    raise AssertionError


def no_digits(first9):
    """Correct k1 k2 for 9 digits (the digits that make both weighted sums divisible by 11),
    or None when one of them would have to be 10."""
    nums = [int(c) for c in first9]
    k1 = -sum(w * n for w, n in zip(W1, nums)) % 11
    if k1 == 10:
        return None
    k2 = -sum(w * n for w, n in zip(W2, nums + [k1])) % 11
    if k2 == 10:
        return None
    return "%d%d" % (k1, k2)


def swedish_inputs(today, rng, scale):
    out = []
    future = today + datetime.timedelta(days=800)
    # every check digit, 12-digit form, over many dates (incl. future ones)
    for day in days(datetime.date(1880, 1, 3), future, 9 * scale):
        serial = "%03d" % rng.randrange(1000)
        for c in "0123456789":
            out.append(day.strftime("%Y%m%d") + serial + c)
    # every check digit, 10-digit forms, with and without separators
    for day in days(datetime.date(1900, 1, 1), future, 11 * scale):
        serial = "%03d" % rng.randrange(1000)
        for c in "0123456789":
            sep = rng.choice(["", "-", " ", "+", "\u2013"])
            out.append(day.strftime("%y%m%d") + sep + serial + c)
    # around today: the 100-year boundary, valid check digits, '-' and '+' forms
    for delta in range(-400, 401):
        for years_back in (0, 1, 99, 100, 101, 199, 200):
            try:
                day = today.replace(year=today.year - years_back) + datetime.timedelta(days=delta)
            except ValueError:
                continue
            nine = day.strftime("%y%m%d") + "%03d" % rng.randrange(1000)
            for sep in ("", "-", "+"):
                out.append(nine[:6] + sep + nine[6:] + luhn_digit(nine))
            out.append(day.strftime("%Y") + nine + luhn_digit(nine))
    # samordningsnummer (day + 60), both lengths
    for day in days(datetime.date(1901, 1, 1), today, 17 * scale):
        nine = day.strftime("%y%m") + "%02d" % (day.day + 60) + "%03d" % rng.randrange(1000)
        for c in "0123456789":
            out.append(day.strftime("%Y")[:2] + nine + c)
        out.append(nine[:6] + "-" + nine[6:] + luhn_digit(nine))
    # date grid: impossible months/days and leap years, with a correct Luhn digit
    for year in (1800, 1899, 1900, 1904, 1996, 2000, 2004, 2023, 2024, 2025, today.year):
        for month in range(0, 14):
            for day in list(range(0, 33)) + list(range(59, 93)):
                nine = "%02d%02d%02d%03d" % (year % 100, month, day, rng.randrange(1000))
                out.append("%02d" % (year // 100) + nine + luhn_digit(nine))
                if rng.random() < 0.3:
                    out.append(nine + luhn_digit(nine))
    # public test numbers and their typed forms
    out += ["196802020575", "6802020575", "680202-0575", "19680202-0575", " 19680202 0575 ", "680202+0575"]
    out += junk(rng, 3000 // scale, 10, 13)
    return out


def norwegian_inputs(today, rng, scale):
    out = []
    # every k1 k2 pair over many dates, individual numbers from every range
    for day in days(datetime.date(1854, 1, 1), datetime.date(2039, 12, 31), 97 * scale):
        ind = "%03d" % rng.randrange(1000)
        head = day.strftime("%d%m%y") + ind
        for k in range(100):
            out.append(head + "%02d" % k)
    # correct check digits over many dates and individual numbers, plus offsets
    for day in days(datetime.date(1854, 1, 1), datetime.date(2039, 12, 31), 3 * scale):
        for _ in range(2):
            ind = rng.randrange(1000)
            dd, mm = day.day, day.month
            choice = rng.randrange(6)
            if choice == 1:
                dd += 40
            elif choice == 2:
                mm += 40
            elif choice == 3:
                mm += 80
            elif choice == 4:
                dd += 40
                mm += 80
            head = "%02d%02d%s%03d" % (dd, mm, day.strftime("%y"), ind)
            k = no_digits(head)
            if k is None:
                out.append(head + "%02d" % rng.randrange(100))
            else:
                out.append(head + k)
                sep = rng.choice([" ", "-", "\u00a0", ""])
                out.append(head[:6] + sep + head[6:] + k)
    # date grid (day 0-72, month 0-93) with correct check digits where they exist
    for yy in (0, 24, 25, 39, 40, 46, 53, 54, 96, 99):
        for mm in range(0, 94):
            for dd in range(0, 73):
                if rng.random() < 0.5:
                    continue
                head = "%02d%02d%02d%03d" % (dd, mm, yy, rng.choice([0, 499, 500, 749, 750, 899, 900, 999, rng.randrange(1000)]))
                k = no_digits(head)
                out.append(head + (k if k else "00"))
    out += ["27034698436", "270346 98436", "27034698437", "27034698446"]
    out += junk(rng, 3000 // scale, 9, 12)
    return out


def junk(rng, count, low, high):
    alphabet = list("0123456789" * 4) + [" ", "-", "+", "\t", "\u2013", "\u00a0", "a", "Z", "#", "*", "/", ".", "\u0663", "\uff13", "\u00e5", "\U0001F600"]
    out = []
    for _ in range(count):
        n = rng.choice([0, 1, 5, low, low + 1, high, high + 1, 20, 40])
        out.append("".join(rng.choice(alphabet) for _ in range(n)))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--today", required=True)
    parser.add_argument("--seed", type=int, default=4573)
    parser.add_argument("--scale", type=int, default=1, help="1 = full set; larger = sparser (faster)")
    args = parser.parse_args()
    today = datetime.date.fromisoformat(args.today)
    rng = random.Random(args.seed)
    lines = []
    write = lines.append
    for kind, inputs, check, mask in (
        ("se-personnummer", swedish_inputs(today, rng, args.scale), se_check, se_mask),
        ("no-fodselsnummer", norwegian_inputs(today, rng, args.scale), no_check, no_mask),
    ):
        for text in inputs:
            verdict = check(text, today)
            fields = [kind, text.encode("utf-8").hex(), verdict[0]]
            if verdict[0] == "valid":
                fields += [verdict[1], verdict[2], verdict[3], mask(text), str(verdict[4]).lower(), str(verdict[5]).lower()]
            else:
                fields += ["-", "-", "-", mask(text), "-", "-"]
            write("\t".join(fields) + "\n")
    sys.stdout.write("".join(lines))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
