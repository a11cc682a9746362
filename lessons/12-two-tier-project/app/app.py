"""A message board: a Flask page that stores short messages in MariaDB.

Every setting comes from environment variables, so one image runs against any database.
"""

import os

import pymysql
from flask import Flask, redirect, request

app = Flask(__name__)


def connect():
    return pymysql.connect(
        host=os.environ.get("DB_HOST", "localhost"),
        user=os.environ.get("DB_USER", "board"),
        password=os.environ.get("DB_PASSWORD", ""),
        database=os.environ.get("DB_NAME", "board"),
        connect_timeout=3,
    )


PAGE = """<!doctype html>
<title>Message board</title>
<h1>Message board</h1>
<form method="post"><input name="message" placeholder="Say something" autofocus> <button>Post</button></form>
<p>{status}</p>
<ul>{items}</ul>
"""


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@app.get("/")
def board():
    try:
        with connect() as db, db.cursor() as cur:
            cur.execute("SELECT message FROM messages ORDER BY id DESC")
            rows = [row[0] for row in cur.fetchall()]
    except pymysql.err.ProgrammingError:
        return PAGE.format(status="Connected, but the table messages does not exist yet: create it.", items=""), 500
    except pymysql.err.MySQLError as error:
        return PAGE.format(status=f"Cannot reach the database: {escape(str(error))}", items=""), 503
    items = "".join(f"<li>{escape(message)}</li>" for message in rows)
    return PAGE.format(status=f"{len(rows)} messages so far.", items=items)


@app.post("/")
def post():
    message = request.form.get("message", "").strip()
    if message:
        with connect() as db, db.cursor() as cur:
            cur.execute("INSERT INTO messages (message) VALUES (%s)", (message,))
            db.commit()
    return redirect("/", code=303)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
