import { describe, expect, it } from "vitest";
import { parseCsv } from "../../test/csv";
import { auditCsv, csvCell } from "./csv";
import { AUDIT_SCHEMA, type AuditEvent } from "./types";

describe("csvCell", () => {
  it.each(["=A1-B1", '=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])(
    "reads %j back as text behind a single quote, never as a formula",
    (text) => {
      const [[cell]] = parseCsv(`${csvCell(text)}\n`);
      expect(cell).toBe(`'${text}`);
    },
  );

  it("leaves ordinary text as it is, and quotes commas, quotes and newlines", () => {
    expect(csvCell("vad")).toBe("vad");
    expect(csvCell(200)).toBe("200");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell("a=b")).toBe("a=b");
    expect(parseCsv(`${["a,b", 'say "hi"', "two\nlines"].map(csvCell).join(",")}\n`)).toEqual([
      ["a,b", 'say "hi"', "two\nlines"],
    ]);
  });
});

describe("auditCsv", () => {
  it("writes a header and one row per event, caller-controlled text neutralised", () => {
    const event: AuditEvent = {
      schema: AUDIT_SCHEMA,
      id: "e1",
      time: "2026-01-02T03:04:05.000Z",
      requestId: "=A1-B1",
      method: "POST",
      route: "/v1/functions/:name",
      function: "vad",
      outcome: "served",
      status: 200,
      latencyMs: 1.5,
      principal: { pseudonym: "ab", tenant: '=HYPERLINK("http://x","y")', tier: "free" },
      network: { ip: "203.0.113.0/24" },
      rateLimits: [],
    };
    const [header, row, ...rest] = parseCsv(auditCsv([event]));
    expect(rest).toEqual([]);
    const cells = Object.fromEntries(header.map((name, i) => [name, row[i]]));
    expect(cells).toMatchObject({
      id: "e1",
      request_id: "'=A1-B1",
      tenant: `'=HYPERLINK("http://x","y")`,
      status: "200",
    });
    expect(row.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });
});
