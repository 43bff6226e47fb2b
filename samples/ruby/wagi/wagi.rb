# A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
# header block, a blank line and a body on stdout (see samples/contract/wagi).

VARIABLES = %w[REQUEST_METHOD SCRIPT_NAME PATH_INFO QUERY_STRING
               CONTENT_TYPE CONTENT_LENGTH HTTP_X_WAGI_TEST].freeze

# ARGV holds the query's parts (the script took argv's place).
def value(key)
  arg = ARGV.find { |a| a.start_with?("#{key}=") }
  arg && arg[(key.size + 1)..]
end

exit(Integer(value("exit"), exception: false) || 1) if value("exit")
$stdin.binmode
body = $stdin.read || ""
out = +"Content-Type: text/plain\n"
out << "Status: #{value('status')}\n" if value("status")
out << "Location: #{value('location')}\n" if value("location")
out << "\n"
VARIABLES.each { |name| out << "#{name}=#{ENV.fetch(name, '')}\n" }
out << "args=#{ARGV.size}\n"
ARGV.each { |a| out << "arg=#{a}\n" }
out << "body=#{body.bytesize} bytes\n"
$stdout.binmode
$stdout.write(out.b, body)
$stdout.flush
