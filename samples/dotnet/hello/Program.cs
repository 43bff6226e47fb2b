// The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.
try
{
    Console.WriteLine("Hello, Wasm!");
    File.WriteAllText("/helloworld/helloworld.txt", "Hello world!\n");
    Console.WriteLine("Created helloworld.txt");
    return 0;
}
catch (IOException e)
{
    Console.Error.WriteLine($"cannot write /helloworld/helloworld.txt: {e.Message}");
    return 1;
}
