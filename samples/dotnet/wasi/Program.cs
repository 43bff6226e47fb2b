// One WASI preview 1 capability per invocation, named by the first argument, printing the same
// lines as every other language's version of this sample (see samples/contract/wasi), through .NET's
// own System.IO and System.Environment as the wasi-wasm runtime maps them.
//
// The sandbox capabilities try something a runtime must refuse when it was not granted, and print
// `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.
using System.Collections;
using System.Diagnostics;
using System.Security.Cryptography;

const string HostSecret = "WASM_HARNESS_HOST_SECRET";

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: wasi CAPABILITY [ARGS...]");
    return 2;
}
string capability = args[0];
string[] rest = args[1..];
try
{
    switch (capability)
    {
        case "args":
            Console.WriteLine($"argc={rest.Length}");
            for (int i = 0; i < rest.Length; i++) Console.WriteLine($"arg[{i}]={rest[i]}");
            break;
        case "env":
            var vars = new List<string>();
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
                vars.Add($"{entry.Key}={entry.Value}");
            vars.Sort(StringComparer.Ordinal);
            foreach (var v in vars) Console.WriteLine(v);
            break;
        case "clock":
            Console.WriteLine($"realtime_s={DateTimeOffset.UtcNow.ToUnixTimeSeconds()}");
            long first = Stopwatch.GetTimestamp();
            long second = Stopwatch.GetTimestamp();
            Console.WriteLine("monotonic: " + (second >= first ? "non-decreasing" : "WENT BACKWARDS"));
            Thread.Sleep(10);
            var elapsed = Stopwatch.GetElapsedTime(first);
            Console.WriteLine("sleep 10ms: " + (elapsed.TotalMilliseconds >= 10 ? "elapsed" : "TOO SHORT"));
            break;
        case "random":
            var a = RandomNumberGenerator.GetBytes(32);
            var b = RandomNumberGenerator.GetBytes(32);
            bool differ = !a.SequenceEqual(b) && a.Any(x => x != 0);
            Console.WriteLine("random: 32 bytes, " + (differ ? "two draws differ" : "DRAWS EQUAL"));
            break;
        case "file":
            const string path = "/data/file.txt";
            File.WriteAllText(path, "0123456789\n");
            Console.WriteLine("write: 11 bytes");
            using (var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            {
                var all = new StreamReader(f, leaveOpen: true).ReadToEnd();
                Console.WriteLine("read: " + all.TrimEnd('\n'));
                f.Seek(4, SeekOrigin.Begin);
                var three = new byte[3];
                f.ReadExactly(three);
                Console.WriteLine("seek 4, read 3: " + System.Text.Encoding.UTF8.GetString(three));
                Console.WriteLine($"seek end: {f.Seek(0, SeekOrigin.End)}");
                f.Write("appended\n"u8);
                f.Flush();
                Console.WriteLine($"size: {new FileInfo(path).Length}");
            }
            break;
        case "readdir":
            var names = new DirectoryInfo("/fixture").EnumerateFileSystemInfos()
                .Select(e => e is DirectoryInfo ? e.Name + "/" : e.Name)
                .OrderBy(n => n, StringComparer.Ordinal);
            foreach (var name in names) Console.WriteLine(name);
            break;
        case "rename":
            File.WriteAllText("/data/old.txt", "renamed\n");
            File.Move("/data/old.txt", "/data/new.txt");
            Console.WriteLine($"old.txt: {Exists("/data/old.txt")}");
            Console.WriteLine($"new.txt: {Exists("/data/new.txt")}");
            break;
        case "unlink":
            File.WriteAllText("/data/doomed.txt", "gone\n");
            Console.WriteLine($"before: {Exists("/data/doomed.txt")}");
            File.Delete("/data/doomed.txt");
            Console.WriteLine($"after: {Exists("/data/doomed.txt")}");
            break;
        case "mkdir":
            Directory.CreateDirectory("/data/made");
            Directory.CreateDirectory("/data/made/inner");
            Console.WriteLine($"mkdir: {Exists("/data/made/inner")}");
            Directory.Delete("/data/made/inner");
            Console.WriteLine($"rmdir: {Exists("/data/made/inner")}");
            Directory.CreateDirectory("/data/kept");
            break;
        case "stdin":
            using (var stdin = Console.OpenStandardInput())
            using (var stdout = Console.OpenStandardOutput())
                stdin.CopyTo(stdout);
            break;
        case "exit":
            int code = rest.Length > 0 && int.TryParse(rest[0], out int c) ? c : 3;
            Console.WriteLine($"exiting with {code}");
            Console.Out.Flush();
            Environment.Exit(code);
            break;
        case "stderr":
            Console.WriteLine("to stdout");
            Console.Error.WriteLine("to stderr");
            break;
        case "sandbox-host-path":
            SandboxOpen("/etc/passwd");
            break;
        case "sandbox-dotdot":
            SandboxOpen("/sandbox/../etc/passwd");
            break;
        case "sandbox-env":
            var secret = Environment.GetEnvironmentVariable(HostSecret);
            Console.WriteLine(secret is null ? $"env {HostSecret}: denied" : $"env {HostSecret}: ALLOWED ({secret})");
            break;
        default:
            Console.Error.WriteLine($"unknown capability: {capability}");
            return 2;
    }
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"{capability}: {e.Message}");
    return 1;
}
return 0;

static string Exists(string path) => File.Exists(path) || Directory.Exists(path) ? "exists" : "absent";

static void SandboxOpen(string path)
{
    try
    {
        var bytes = File.ReadAllBytes(path);
        Console.WriteLine($"open {path}: ALLOWED ({bytes.Length} bytes read)");
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.WriteLine($"open {path}: denied");
    }
}
