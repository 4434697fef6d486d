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
    try write([Array(data)], to: path, field: field)
  }

  /// Writes the concatenation of `parts` atomically (see `write(_:to:field:)`).
  static func write(_ parts: [[UInt8]], to path: String, field: String) throws {
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
    for part in parts {
      let ok = part.withUnsafeBytes { raw -> Bool in
        var offset = 0
        while offset < raw.count {
          let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
          if n <= 0 { return false }
          offset += n
        }
        return true
      }
      if !ok {
        close(fd)
        throw fail("write")
      }
    }
    if close(fd) != 0 { throw fail("close") }
    if rename(temporary, path) != 0 { throw fail("rename") }
  }
}
