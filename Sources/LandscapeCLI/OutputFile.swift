import Foundation
import Landscape
import Reports
import ToyModels

/// Files the command writes: checked before any work. A regular file (or a symlink to one,
/// or a new path) is written beside its target and renamed over it; a device, FIFO, socket
/// or /dev/fd/N is written directly as a stream, and `-` is standard output.
enum OutputFile {
  /// How a path is written.
  enum Destination: Equatable {
    /// Standard output (`-`).
    case standardOutput
    /// A stream opened in place (a character device, FIFO, socket or /dev/fd/N).
    case stream(String)
    /// A regular file written atomically: `target` is the path after following symlinks.
    case regular(target: String)
  }

  /// Where `path` leads: symlinks followed, non-regular files streamed.
  /// - Throws: `FieldError` naming the flag and the path.
  static func destination(_ path: String, field: String) throws -> Destination {
    if path == "-" { return .standardOutput }
    if path.isEmpty { throw FieldError(flag: field, value: "\"\"", reason: "is an empty path") }
    let target = try followLinks(path, field: field)
    for name in [path, target] where isDescriptorPath(name) { return .stream(path) }
    var info = stat()
    if stat(path, &info) == 0 {
      switch info.st_mode & S_IFMT {
      case S_IFDIR: throw FieldError(flag: field, value: path, reason: "is a directory")
      case S_IFREG: break
      default: return .stream(path)
      }
    }
    return .regular(target: target)
  }

  /// /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N: an open descriptor, written
  /// in place even when it is a regular file.
  private static func isDescriptorPath(_ path: String) -> Bool {
    path == "/dev/stdout" || path == "/dev/stderr" || path.hasPrefix("/dev/fd/")
      || path.hasPrefix("/proc/self/fd/")
  }

  /// `path` with every symlink followed (the last link's target may not exist yet).
  private static func followLinks(_ path: String, field: String) throws -> String {
    var current = path
    for _ in 0..<40 {
      var info = stat()
      guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let n = readlink(current, &buffer, buffer.count - 1)
      guard n > 0 else { return current }
      let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      current =
        link.hasPrefix("/")
        ? link
        : ((current as NSString).deletingLastPathComponent as NSString)
          .appendingPathComponent(link)
    }
    throw FieldError(flag: field, value: path, reason: "has too many levels of symbolic links")
  }

  /// The command's arguments (`main` sets them): a file named by one of them is an input, and
  /// no output may be it.
  nonisolated(unsafe) static var arguments: [String] = []

  /// The file (device and inode) at `path`, links followed; nil when there is none.
  private static func fileID(_ path: String) -> [UInt64]? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return [UInt64(info.st_dev), UInt64(info.st_ino)]
  }

  /// Refuses a regular output file that another argument of the command names too (the same
  /// file through any path or link): writing it would replace an input, the case file of
  /// `train CASE --save CASE` say.
  private static func checkNotAnInput(_ path: String, target: String, field: String) throws {
    guard let id = fileID(target) else { return }
    let named = arguments.filter { argument in
      let value = argument.hasPrefix("--") ? String(argument.drop { $0 != "=" }.dropFirst()) : argument
      return !value.isEmpty && fileID(value) == id
    }
    if named.count > 1 {
      throw FieldError(
        flag: field, value: escapedForMessage(path),
        reason: "is also an input of this command (the same file): writing it would replace it")
    }
  }

  /// Checks that `path` can be written: a stream, or a regular file whose folder exists and
  /// is writable and that is not an input of the command.
  /// - Throws: `FieldError` naming the flag and the path.
  static func check(_ path: String, field: String) throws {
    guard case .regular(let target) = try destination(path, field: field) else { return }
    try checkNotAnInput(path, target: target, field: field)
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    let folder = (target as NSString).deletingLastPathComponent
    let dir = folder.isEmpty ? "." : folder
    guard manager.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw FieldError(flag: field, value: path, reason: "is in a folder that does not exist")
    }
    guard manager.isWritableFile(atPath: dir) else {
      throw FieldError(flag: field, value: path, reason: "is in a folder that is not writable")
    }
  }

  /// Writes `data` to `path` (see `write(to:field:_:)`).
  static func write(_ data: Data, to path: String, field: String) throws {
    try write(to: path, field: field) { sink in try data.withUnsafeBytes { try sink.write($0) } }
  }

  /// Writes whatever `produce` hands the sink. A regular file goes to a temporary file
  /// beside its target, renamed over it at the end; on failure or a signal no file is left
  /// and an existing target is untouched. Streams are written in place and never removed.
  static func write(
    to path: String, field: String, _ produce: (ByteSink) throws -> Void
  ) throws {
    try check(path, field: field)
    switch try destination(path, field: field) {
    case .standardOutput:
      try StandardOutput.write(produce)
    case .stream(let stream):
      let fd = open(stream, O_WRONLY | O_CLOEXEC)
      if fd < 0 { throw failure(path, field: field, "open") }
      defer { close(fd) }
      do { try produce(ByteSink(descriptor: fd)) } catch let error as POSIXError {
        throw FieldError(
          field: field, value: path,
          reason: "cannot be written (\(String(cString: strerror(error.code.rawValue))))",
          kind: .output)
      }
    case .regular(let target):
      try writeAtomically(target: target, path: path, field: field, produce)
    }
  }

  private static func failure(_ path: String, field: String, _ what: String) -> FieldError {
    let reason = String(cString: strerror(errno))
    return FieldError(
      field: field, value: path, reason: "cannot be written (\(what): \(reason))", kind: .output)
  }

  private static func writeAtomically(
    target: String, path: String, field: String, _ produce: (ByteSink) throws -> Void
  ) throws {
    let url = URL(fileURLWithPath: target)
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
    TemporaryFiles.register(temporary)
    defer { TemporaryFiles.unregister(temporary) }
    func fail(_ what: String) -> FieldError {
      let error = failure(path, field: field, what)
      unlink(temporary)
      return error
    }
    var mode: mode_t = 0o644
    var info = stat()
    if stat(target, &info) == 0 { mode = info.st_mode & 0o777 }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    if fd < 0 { throw fail("open") }
    do {
      try produce(ByteSink(descriptor: fd))
    } catch let error as POSIXError {
      close(fd)
      errno = error.code.rawValue
      throw fail("write")
    } catch {
      close(fd)
      unlink(temporary)
      throw error
    }
    if close(fd) != 0 { throw fail("close") }
    if rename(temporary, target) != 0 { throw fail("rename") }
  }
}

/// The temporary files this process is writing, removed on SIGINT and SIGTERM.
///
/// The paths live in a fixed table of C strings so that the signal handler only reads
/// memory and calls `unlink` and `_exit` (both async-signal-safe).
enum TemporaryFiles {
  private static let capacity = 64
  nonisolated(unsafe) private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> =
    {
      let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
      p.initialize(repeating: nil, count: capacity)
      return p
    }()
  private static let lock = NSLock()

  /// Installs the handlers: on SIGINT or SIGTERM every registered file is removed and the
  /// process exits with 128 + the signal's number (130, 143).
  static func installSignalHandlers() {
    _ = slots
    let handler: @convention(c) (Int32) -> Void = { signal in
      for i in 0..<TemporaryFiles.capacity {
        if let path = TemporaryFiles.slots[i] { unlink(path) }
      }
      _exit(128 + signal)
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
  }

  /// Adds a path to remove if a signal arrives.
  static func register(_ path: String) {
    lock.lock()
    defer { lock.unlock() }
    for i in 0..<capacity where slots[i] == nil {
      slots[i] = strdup(path)
      return
    }
  }

  /// Forgets a path (renamed or removed).
  static func unregister(_ path: String) {
    lock.lock()
    defer { lock.unlock() }
    for i in 0..<capacity {
      if let p = slots[i], String(cString: p) == path {
        slots[i] = nil
        free(p)
        return
      }
    }
  }
}

/// Standard output, whose write errors are reported once, as one line.
enum StandardOutput {
  /// Hands `produce` a sink on standard output (after flushing what `print` buffered),
  /// reporting a write error as `standard output: REASON`.
  static func write(_ produce: (ByteSink) throws -> Void) throws {
    try flush()
    do { try produce(.standardOutput) } catch let error as POSIXError {
      throw StandardOutputError(code: error.code.rawValue)
    }
  }

  /// Flushes what `print` buffered (every stdio stream: only standard output is used),
  /// throwing if it could not be written.
  static func flush() throws {
    errno = 0
    if fflush(nil) != 0 { throw StandardOutputError(code: errno == 0 ? EIO : errno) }
  }
}

/// A write to standard output failed (a full disk, a closed pipe).
struct StandardOutputError: Error, CustomStringConvertible {
  let code: Int32
  var description: String { "standard output: \(String(cString: strerror(code)))" }
}

/// Bytes going to a file descriptor, written whole.
struct ByteSink {
  let descriptor: Int32

  /// Standard output.
  static let standardOutput = ByteSink(descriptor: STDOUT_FILENO)

  /// Writes all of `bytes`, or throws.
  func write(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      #if canImport(Glibc)
        let n = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      #else
        let n = Darwin.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      #endif
      if n <= 0 {
        if n < 0 && errno == EINTR { continue }
        throw POSIXError(POSIXErrorCode(rawValue: n == 0 ? EIO : errno) ?? .EIO)
      }
      offset += n
    }
  }
}

extension CSVText {
  /// Writes the text so far to `sink`, without copying it.
  func write(to sink: ByteSink) throws {
    try withUnsafeBytes { try sink.write($0) }
  }
}
