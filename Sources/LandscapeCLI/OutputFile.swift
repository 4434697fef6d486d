import Foundation
import Landscape

/// Files the command writes: checked before any work, written beside and renamed.
enum OutputFile {
  /// Checks that `path` can be written: its folder exists and is writable, and it is
  /// not a folder itself.
  /// - Throws: `CaseError` naming the flag and the path.
  static func check(_ path: String, field: String) throws {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if path.isEmpty { throw CaseError(field: field, value: "\"\"", reason: "is an empty path") }
    if manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw CaseError(field: field, value: path, reason: "is a directory")
    }
    let folder = (path as NSString).deletingLastPathComponent
    let dir = folder.isEmpty ? "." : folder
    guard manager.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw CaseError(field: field, value: path, reason: "is in a folder that does not exist")
    }
    guard manager.isWritableFile(atPath: dir) else {
      throw CaseError(field: field, value: path, reason: "is in a folder that is not writable")
    }
  }

  /// Writes `data` to a temporary file beside `path`, then renames it over `path`; on
  /// failure no file is left and an existing `path` is untouched.
  static func write(_ data: Data, to path: String, field: String) throws {
    try write(to: path, field: field) { sink in try data.withUnsafeBytes { try sink.write($0) } }
  }

  /// Writes whatever `produce` hands the sink, atomically (see `write(_:to:field:)`).
  static func write(
    to path: String, field: String, _ produce: (ByteSink) throws -> Void
  ) throws {
    try check(path, field: field)
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
    func fail(_ what: String) -> CaseError {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      return CaseError(field: field, value: path, reason: "cannot be written (\(what): \(reason))")
    }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if fd < 0 { throw fail("open") }
    do {
      try produce(ByteSink(descriptor: fd))
    } catch {
      close(fd)
      throw fail("write")
    }
    if close(fd) != 0 { throw fail("close") }
    if rename(temporary, path) != 0 { throw fail("rename") }
  }
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
      let n = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if n <= 0 {
        if n < 0 && errno == EINTR { continue }
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
      }
      offset += n
    }
  }
}
