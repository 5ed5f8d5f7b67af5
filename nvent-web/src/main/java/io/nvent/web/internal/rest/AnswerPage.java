package io.nvent.web.internal.rest;

import io.nvent.AwaitInfo;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import jakarta.ws.rs.core.Response;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The page a person sees who opens a webhook await's URL in a browser (an approval link in an
 * email): what waits for them, and a button that sends the answer. Opening the link answers
 * nothing: mail scanners and link previews fetch every link in a message, and an approval must not
 * be given by them. The page is public, as the URL's token is the credential, so it shows no more
 * than the run waiting, and it is neither cached, framed nor referred onwards.
 */
final class AnswerPage {

    private static final SecureRandom NONCES = new SecureRandom();

    private AnswerPage() {
    }

    /** A rendered page: its status, its HTML and the headers it needs. */
    record Rendered(int status, String html, Map<String, String> headers) {

        Response toResponse() {
            Response.ResponseBuilder response = Response.status(status).type("text/html; charset=utf-8").entity(html);
            headers.forEach(response::header);
            return response.build();
        }
    }

    static Rendered of(AwaitInfo await) {
        String nonce = nonce();
        String body = await.status() == AwaitStatus.WAITING ? waiting(await, nonce) : closed(await);
        return page(200, "nvent · " + (await.status() == AwaitStatus.WAITING
                ? "waiting for your answer" : "nothing to answer"), body, nonce);
    }

    static Rendered unknown() {
        String nonce = nonce();
        return page(404, "nvent · unknown link", "<h1>This link is not known</h1><p>No run "
                + "waits for an answer at this address. Check that the link was copied whole.</p>", nonce);
    }

    private static String waiting(AwaitInfo await, String nonce) {
        return "<h1>A run waits for your answer</h1>" + facts(await)
                + "<form id=\"answer\"><label for=\"data\">Data sent with your answer (JSON)</label>"
                + "<textarea id=\"data\" rows=\"4\" spellcheck=\"false\">{}</textarea>"
                + "<button type=\"submit\" id=\"send\">Send answer</button></form>"
                + "<p id=\"result\" role=\"status\"></p>"
                + "<script nonce=\"" + nonce + "\">" + SCRIPT + "</script>";
    }

    private static String closed(AwaitInfo await) {
        String why = switch (await.status()) {
            case RESOLVED -> "It was answered already.";
            case TIMED_OUT -> "Its time to answer ran out.";
            default -> "Its run was canceled.";
        };
        return "<h1>Nothing to answer</h1><p>" + why + "</p>" + facts(await);
    }

    private static String facts(AwaitInfo await) {
        boolean waiting = await.status() == AwaitStatus.WAITING;
        String step = await.step() + (!waiting ? "" : await.position() == AwaitPosition.BEFORE
                ? " (runs once answered)" : " (has run; the run goes on once answered)");
        StringBuilder facts = new StringBuilder("<dl>")
                .append(fact("Flow", await.flow()))
                .append(fact("Step", step))
                .append(fact("Run", await.runId()))
                .append(fact(waiting ? "Waiting since" : "Waited since", await.registeredAt().toString()));
        if (waiting) {
            await.timeoutAt().ifPresent(at -> facts.append(fact("Answer by", at.toString())));
        }
        return facts.append("</dl>").toString();
    }

    private static String fact(String name, String value) {
        return "<dt>" + name + "</dt><dd>" + escape(value) + "</dd>";
    }

    private static Rendered page(int status, String title, String body, String nonce) {
        String html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                + "<title>" + escape(title) + "</title><style nonce=\"" + nonce + "\">" + STYLE + "</style></head>"
                + "<body><main>" + body + "</main></body></html>";
        return new Rendered(status, html, Map.of(
                "Cache-Control", "no-store",
                "Referrer-Policy", "no-referrer",
                "X-Frame-Options", "DENY",
                "X-Content-Type-Options", "nosniff",
                "Content-Security-Policy", "default-src 'none'; style-src 'nonce-" + nonce + "'; script-src 'nonce-"
                        + nonce + "'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"));
    }

    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static String nonce() {
        byte[] bytes = new byte[18];
        NONCES.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static final String STYLE = "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}"
            + "main{max-width:36rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;"
            + "box-shadow:0 1px 3px rgba(0,0,0,.12)}h1{font-size:1.4rem;margin-top:0}"
            + "dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{color:#5b6475}dd{margin:0;"
            + "overflow-wrap:anywhere}label{display:block;margin:1rem 0 .3rem}textarea{width:100%;box-sizing:border-box;"
            + "font:14px monospace}button{margin-top:.8rem;padding:.5rem 1.2rem;font-size:1rem}"
            + ".error{color:#b3261e}.done{color:#1b6e3a}";

    /** Sends the JSON typed to this same URL; what the server answers is shown, nothing is sent on opening. */
    private static final String SCRIPT = "const form=document.getElementById('answer'),result=document.getElementById('result');"
            + "form.addEventListener('submit',async e=>{e.preventDefault();const text=document.getElementById('data').value;"
            + "try{JSON.parse(text)}catch(err){result.className='error';result.textContent='Not valid JSON: '+err.message;return}"
            + "document.getElementById('send').disabled=true;"
            + "try{const r=await fetch(location.href,{method:'POST',headers:{'Content-Type':'application/json'},body:text});"
            + "const answer=await r.json().catch(()=>({}));if(r.ok){result.className='done';"
            + "result.textContent='Sent. The run goes on.';form.remove()}else{result.className='error';"
            + "result.textContent=(answer.detail||('The server answered '+r.status));"
            + "document.getElementById('send').disabled=false}}catch(err){result.className='error';"
            + "result.textContent='Not sent: '+err.message;document.getElementById('send').disabled=false}});";
}
