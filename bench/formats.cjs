// The custom formats of yibiaotong's templates, written in JS for ajv in the
// validation benchmark (bench/validate.mjs). They follow core/src/formats.rs
// (and `date` follows RFC 3339 full-date as the jsonschema crate checks it),
// so ajv validates the same thing as core; the benchmark checks that they
// agree on every row. A CommonJS module because ajv's standalone code
// `require`s its formats.
"use strict";

const PROVINCES = new Set([
  "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
  "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
  "81", "82",
]);
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";
const CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

function isRealDate(year, month, day) {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** GB 11643-1999 check character of 17 digits. */
function idCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

const ID_SHAPE = /^[0-9]{17}[0-9Xx]$/;
function cnIdNumber(s) {
  if (!ID_SHAPE.test(s) || !PROVINCES.has(s.slice(0, 2))) return false;
  const year = +s.slice(6, 10), month = +s.slice(10, 12), day = +s.slice(12, 14);
  if (year < 1900 || year > 2100 || !isRealDate(year, month, day)) return false;
  return idCheckChar(s) === s[17].toUpperCase();
}

const MOBILE = /^1[3-9][0-9]{9}$/;
function cnMobile(s) {
  return MOBILE.test(s);
}

/** GB 32100-2015 check character of 17 code characters, or null. */
function creditCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_ALPHABET.indexOf(first17[i]);
    if (value < 0) return null;
    sum += value * CREDIT_WEIGHTS[i];
  }
  return CREDIT_ALPHABET[(31 - (sum % 31)) % 31];
}

const CREDIT_AREA = /^[0-9]{6}$/;
function cnCreditCode(s) {
  return s.length === 18 && CREDIT_AREA.test(s.slice(2, 8)) && creditCheckChar(s) === s[17];
}

const DIVISION_SHAPE = /^(?:[0-9]{6}|[0-9]{9}|[0-9]{12})$/;
/** Without a loaded list of divisions (as the benchmark compiles): shape and province. */
function cnDivisionCode(s) {
  return DIVISION_SHAPE.test(s) && PROVINCES.has(s.slice(0, 2));
}

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
function date(s) {
  const m = DATE.exec(s);
  return m !== null && isRealDate(+m[1], +m[2], +m[3]);
}

/** RFC 3339 full-time, a leap second only at 23:59:60 UTC (as core's ybt-rules checks it). */
const TIME = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$/;
function time(s) {
  const m = TIME.exec(s);
  if (m === null) return false;
  const [hour, minute, second] = [+m[1], +m[2], +m[3]];
  if (hour > 23 || minute > 59 || second > 60) return false;
  let utc = hour * 60 + minute;
  if (!m[4]) {
    const [oh, om] = [+m[6], +m[7]];
    if (oh > 23 || om > 59) return false;
    utc += (m[5] === "+" ? -1 : 1) * (oh * 60 + om);
  }
  return second !== 60 || ((utc % 1440) + 1440) % 1440 === 23 * 60 + 59;
}

function dateTime(s) {
  return s.length > 11 && (s[10] === "T" || s[10] === "t") && date(s.slice(0, 10)) && time(s.slice(11));
}

module.exports = {
  "cn-id-number": cnIdNumber,
  "cn-mobile": cnMobile,
  "cn-credit-code": cnCreditCode,
  "cn-division-code": cnDivisionCode,
  date,
  time,
  "date-time": dateTime,
  idCheckChar,
  creditCheckChar,
};
