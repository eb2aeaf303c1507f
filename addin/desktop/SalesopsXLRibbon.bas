Attribute VB_Name = "SalesopsXLRibbon"
' salesops-xl ribbon callbacks (imported into the salesops-xl add-in by `salesops-xl addin build`).
'
' Every script button of the ribbon (customUI.xml, generated from the script registry) has the
' script's id as its tag and calls RunTag, which runs the Python script of that id on the active
' workbook through xlwings' RunPython. Adding a script never changes this module.
' The module has a name no other add-in uses: ribbon callbacks are found by "Module.Procedure".
Option Explicit

Public Sub RunTag(control As IRibbonControl)
    Dim scriptId As String
    scriptId = control.Tag
    If Not IsScriptId(scriptId) Then
        MsgBox "This button has no valid salesops-xl script id (tag '" & scriptId & "').", vbCritical, "salesops-xl"
        Exit Sub
    End If
    If ActiveWorkbook Is Nothing Then
        MsgBox "Open the workbook to work on first.", vbExclamation, "salesops-xl"
        Exit Sub
    End If
    RunPython "import salesops_xl.addin.scripts as s; s.run_tag('" & scriptId & "')"
End Sub

Public Sub ImportFunctions(control As IRibbonControl)
    ' Register the SXL_ cell functions (UDF Modules of the salesopsxl.conf sheet) in this add-in.
    ImportPythonUDFsToAddin
    ThisWorkbook.Save
    MsgBox "The salesops-xl cell functions are registered.", vbInformation, "salesops-xl"
End Sub

Private Function IsScriptId(ByVal s As String) As Boolean
    ' letters, digits, "_" and "." only: the id is pasted into the Python command above
    Dim i As Long
    If Len(s) = 0 Or Len(s) > 100 Then Exit Function
    For i = 1 To Len(s)
        If Not (Mid$(s, i, 1) Like "[A-Za-z0-9_.]") Then Exit Function
    Next i
    IsScriptId = True
End Function
