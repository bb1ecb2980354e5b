// A real C program for the engines (issue 11): SQLite inserting N rows into an indexed table
// and querying them back, in a database file (or ":memory:"). Prints a checksum of what the
// queries returned, so every engine's output is compared with the native build's.
//
//   sqlite_bench [ROWS] [DB]      (defaults: 100000, ":memory:")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

static void die(sqlite3* db, const char* what) {
  fprintf(stderr, "sqlite_bench: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
  exit(1);
}

static void exec(sqlite3* db, const char* sql) {
  char* err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sqlite_bench: %s: %s\n", sql, err ? err : "?");
    exit(1);
  }
}

int main(int argc, char** argv) {
  long rows = argc > 1 ? atol(argv[1]) : 100000;
  const char* path = argc > 2 ? argv[2] : ":memory:";
  if (strcmp(path, ":memory:") != 0) remove(path);

  sqlite3* db = NULL;
  if (sqlite3_open(path, &db) != SQLITE_OK) die(db, "open");
  exec(db, "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;");
  exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, name TEXT, score REAL)");
  exec(db, "CREATE INDEX t_k ON t(k)");

  // Inserts: one transaction, one prepared statement, pseudo-random keys (an LCG, so every
  // engine inserts the same rows).
  sqlite3_stmt* ins = NULL;
  if (sqlite3_prepare_v2(db, "INSERT INTO t(k, name, score) VALUES(?, ?, ?)", -1, &ins, NULL))
    die(db, "prepare insert");
  exec(db, "BEGIN");
  unsigned seed = 12345;
  char name[32];
  for (long i = 0; i < rows; i++) {
    seed = seed * 1103515245u + 12345u;
    int k = (int)((seed >> 8) % 1000000);
    snprintf(name, sizeof name, "name-%ld-%d", i, k % 97);
    sqlite3_bind_int(ins, 1, k);
    sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(ins, 3, (double)(k % 1000) / 7.0);
    if (sqlite3_step(ins) != SQLITE_DONE) die(db, "insert");
    sqlite3_reset(ins);
  }
  exec(db, "COMMIT");
  sqlite3_finalize(ins);

  // Queries: point lookups through the index, a range scan with an aggregate, a GROUP BY and
  // a LIKE over the whole table.
  unsigned long long sum = 0;
  sqlite3_stmt* q = NULL;
  if (sqlite3_prepare_v2(db, "SELECT count(*), total(score) FROM t WHERE k BETWEEN ? AND ?", -1,
                         &q, NULL))
    die(db, "prepare range");
  for (long i = 0; i < rows / 10; i++) {
    seed = seed * 1103515245u + 12345u;
    int lo = (int)((seed >> 8) % 1000000);
    sqlite3_bind_int(q, 1, lo);
    sqlite3_bind_int(q, 2, lo + 2000);
    if (sqlite3_step(q) != SQLITE_ROW) die(db, "range");
    sum += (unsigned long long)sqlite3_column_int64(q, 0) * 31u +
           (unsigned long long)sqlite3_column_double(q, 1);
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);

  const char* aggregates[] = {
      "SELECT k % 97, count(*), sum(length(name)) FROM t GROUP BY k % 97 ORDER BY 1",
      "SELECT count(*), sum(id) FROM t WHERE name LIKE '%-42'",
      "SELECT id, k FROM t ORDER BY k DESC, id LIMIT 1000",
  };
  for (size_t a = 0; a < sizeof aggregates / sizeof *aggregates; a++) {
    if (sqlite3_prepare_v2(db, aggregates[a], -1, &q, NULL)) die(db, "prepare aggregate");
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(q); c++)
        sum = sum * 1000003u + (unsigned long long)sqlite3_column_int64(q, c);
    if (rc != SQLITE_DONE) die(db, "aggregate");
    sqlite3_finalize(q);
  }
  sqlite3_close(db);
  if (strcmp(path, ":memory:") != 0) remove(path);
  printf("rows %ld checksum %llu\n", rows, sum);
  return 0;
}
