// A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
// header block, a blank line and a body on stdout (see samples/contract/wagi).
using System.Text;

string[] variables = {
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
    "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_WAGI_TEST",
};
// .NET's args leave out argv[0] (the request's path): they are the query's parts.
string? Value(string key) =>
    args.FirstOrDefault(a => a.StartsWith(key + "="))?.Substring(key.Length + 1);

if (Value("exit") is string code) return int.TryParse(code, out var n) ? n : 1;
using var stdin = Console.OpenStandardInput();
using var received = new MemoryStream();
stdin.CopyTo(received);
var body = received.ToArray();
var text = new StringBuilder("Content-Type: text/plain\n");
if (Value("status") is string status) text.Append($"Status: {status}\n");
if (Value("location") is string location) text.Append($"Location: {location}\n");
text.Append('\n');
foreach (var name in variables) text.Append($"{name}={Environment.GetEnvironmentVariable(name) ?? ""}\n");
text.Append($"args={args.Length}\n");
foreach (var a in args) text.Append($"arg={a}\n");
text.Append($"body={body.Length} bytes\n");
using var stdout = Console.OpenStandardOutput();
stdout.Write(Encoding.UTF8.GetBytes(text.ToString()));
stdout.Write(body);
return 0;
