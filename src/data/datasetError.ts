/**
 * The one error type of the data layer. Every message names the file (or the data set) it is about and says
 * what is wrong, so the lab and the CLI can show it as it is ("train-images-idx3-ubyte: truncated: ...").
 */
export class DatasetError extends Error {
  /** the file (or data set) the message is about, as the user knows it */
  readonly file: string;
  /** what is wrong with it (the message without the file's name) */
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DatasetError';
    this.file = file;
    this.problem = problem;
  }
}

/** 47040016 -> "47,040,016" (the same in every locale, so messages and tests agree). */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
